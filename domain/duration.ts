/** DAY_MS is one day (one UTC calendar day) in milliseconds. */
export const DAY_MS = 86_400_000;

/** DURATION_MAX_MS bounds every configured or requested duration: 366 days. */
export const DURATION_MAX_MS = 366 * DAY_MS;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: DAY_MS } as const;

/**
 * parseDurationMs reads a Temporal-style duration string `<number><unit>` with unit `ms`,
 * `s`, `m`, `h` or `d` (`15m`, `1.5s`, `250ms`, SPEC.md §1) and returns milliseconds; undefined
 * when malformed, unit-less, zero, not a whole number of milliseconds, or longer than
 * DURATION_MAX_MS.
 */
export function parseDurationMs(value: string): number | undefined {
  const match = /^(\d{1,12}(?:\.\d{1,6})?)(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  const rounded = Math.round(ms);
  if (Math.abs(ms - rounded) > 1e-6) return undefined;
  return rounded > 0 && rounded <= DURATION_MAX_MS ? rounded : undefined;
}
