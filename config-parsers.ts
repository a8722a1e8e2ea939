import { z } from 'zod';
import { parseDurationMs } from './domain/duration';

/*
 * The parsers of config.ts's environment variables: each takes the variable's text and
 * returns its typed value, or an issue config.ts reports under the variable's name.
 */

/**
 * durationMs parses a Temporal duration string with a unit (`15m`, `3s`, `250ms`, `3d`,
 * SPEC.md §1) into milliseconds, refusing unit-less numbers, zero, fractions and more than
 * 366 days.
 */
export const durationMs = z.string().transform((value, ctx) => {
  const ms = parseDurationMs(value);
  if (ms !== undefined) return ms;
  ctx.addIssue({
    code: 'custom',
    message: `"${value}" is not a duration like 15m, 3s or 250ms (at most 366d)`,
  });
  return z.NEVER;
});

/**
 * durationOrZeroMs is durationMs that also takes `0` (no wait at all), for waits an operator
 * may switch off.
 */
export const durationOrZeroMs = z.union([z.literal('0').transform(() => 0), durationMs]);

/** int parses a decimal integer string in [min, max]; empty, hex or fractional text is refused. */
export const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'must be a whole decimal number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** bool parses `true`/`false` (or `1`/`0`); any other text is refused, never read as false. */
export const bool = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');
