import { z } from 'zod';
import { parseDurationMs } from './duration';
import { amountMinorSchema, currencySchema, uuidSchema, withoutNul } from './schemas';

/*
 * Request schemas of the ledger API (SPEC.md §5), kept apart from domain/ledger.ts so workflow
 * code never loads zod (see domain/orders-schemas.ts).
 */

/** createAccountBodySchema is POST /v1/accounts (staff). */
export const createAccountBodySchema = z
  .object({
    ownerId: uuidSchema,
    kind: z.enum(['wallet', 'retainer', 'bank']),
    currency: currencySchema,
  })
  .strict();

/** depositBodySchema is POST /v1/accounts/:id/deposits (staff). */
export const depositBodySchema = z
  .object({
    amountMinor: amountMinorSchema,
    description: withoutNul(z.string().max(500)).optional(),
  })
  .strict();

/** HOLD_TIMEOUT_MAX_MS bounds how long money may be held: 30 days. */
export const HOLD_TIMEOUT_MAX_MS = 30 * 24 * 3600 * 1000;

/** durationStringSchema parses a Temporal duration string (`30s`, `15m`) into milliseconds. */
export const durationStringSchema = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    const ms = parseDurationMs(value);
    if (ms === undefined || ms <= 0 || ms > HOLD_TIMEOUT_MAX_MS) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a duration like 30s or 15m, at most 30 days',
      });
      return z.NEVER;
    }
    return ms;
  });

/**
 * transferBodySchema is POST /v1/transfers. With `hold`, the transfer is two-phase: it stays
 * `pending` (reducing the source's availableMinor) until posted or voided, or until its
 * `timeout` voids it.
 */
export const transferBodySchema = z
  .object({
    fromAccountId: uuidSchema,
    toAccountId: uuidSchema,
    amountMinor: amountMinorSchema,
    description: withoutNul(z.string().max(500)).optional(),
    hold: z.object({ timeout: durationStringSchema }).strict().optional(),
  })
  .strict();

/** postHoldBodySchema is POST /v1/transfers/:id/post: optionally post less than was held. */
export const postHoldBodySchema = z.object({ amountMinor: amountMinorSchema.optional() }).strict();

/** transferIdParamSchema is the `:id` of a ledger transfer: a UUID or a workflow-derived ID. */
export const transferIdParamSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,300}$/) });

/** createRetainerBodySchema is POST /v1/retainers (staff). */
export const createRetainerBodySchema = z
  .object({ clientId: uuidSchema, initialAmountMinor: amountMinorSchema, currency: currencySchema })
  .strict();

/** consumeRetainerBodySchema is POST /v1/retainers/:id/consume (staff). */
export const consumeRetainerBodySchema = z
  .object({ amountMinor: amountMinorSchema, description: withoutNul(z.string().min(1).max(500)) })
  .strict();
