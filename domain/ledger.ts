import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { CodeVersion } from './code-versions';
import { parseDurationMs } from './duration';
import { amountMinorSchema, currencySchema, uuidSchema } from './schemas';

/*
 * The ledger's contract (SPEC.md §5): accounts, transfers, holds, retainers and deposits; the
 * shapes the API returns, the inputs of `transfer-<id>`, its Updates and the request schemas.
 * Safe to import from workflow code.
 */

/** AccountKind is the role of a ledger account (SPEC.md §5). */
export type AccountKind = 'wallet' | 'retainer' | 'bank' | 'revenue' | 'external';

/** AccountView is the API shape of an account; money in minor units. */
export interface AccountView {
  id: string;
  ownerId: string | null;
  kind: AccountKind;
  currency: string;
  allowNegative: boolean;
  balanceMinor: number;
  /** pendingDebitsMinor is the sum of open holds on this account. */
  pendingDebitsMinor: number;
  /** availableMinor is balanceMinor − pendingDebitsMinor: what a new debit may use. */
  availableMinor: number;
  createdAt: string;
}

/** TransferStatus: a hold is `pending` until `posted` or `voided`; plain transfers are `posted`. */
export type TransferStatus = 'pending' | 'posted' | 'voided';

/** TransferView is the API shape of one ledger transfer. */
export interface TransferView {
  id: string;
  kind: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: number;
  currency: string;
  status: TransferStatus;
  description: string | null;
  timeoutAt: string | null;
  createdAt: string;
  postedAt: string | null;
  voidedAt: string | null;
}

/** HoldWorkflowInput starts a two-phase transfer `transfer-<transferId>` that holds money. */
export interface HoldWorkflowInput {
  transferId: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: number;
  description?: string;
  initiatedBy: string;
  /** timeoutMs is how long the hold stays pending before its timer voids it. */
  timeoutMs: number;
}

/** PostHoldInput posts a hold, for its full amount or less (`amountMinor`). */
export interface PostHoldInput {
  amountMinor?: number;
  actorId: string;
}

/**
 * TransferWorkflowInput starts `transfer-<transferId>`: one posted movement of money. A
 * `deposit` has no `fromAccountId`: it comes from the `external` account of the target's
 * currency (the world outside, SPEC.md §5); a `retainer_consumption` has no `toAccountId`.
 */
export interface TransferWorkflowInput {
  transferId: string;
  /**
   * kind: `deposit` comes from the `external` account, `retainer_consumption` goes to the
   * `revenue` account of the source's currency, `transfer` names both accounts.
   */
  kind: 'deposit' | 'transfer' | 'retainer_consumption';
  fromAccountId?: string;
  toAccountId?: string;
  amountMinor: number;
  description?: string;
  initiatedBy: string;
  /** codeVersion is the code path this run follows (domain/code-versions.ts). */
  codeVersion?: CodeVersion;
}

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
  .object({ amountMinor: amountMinorSchema, description: z.string().max(500).optional() })
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
    description: z.string().max(500).optional(),
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
  .object({ amountMinor: amountMinorSchema, description: z.string().min(1).max(500) })
  .strict();

/** createHoldUpdate places the hold (Update-with-Start) and returns the pending transfer. */
export const createHoldUpdate = defineUpdate<TransferView>('createHold');
/** postHoldUpdate posts a pending hold once, possibly for less; a second resolution → 409. */
export const postHoldUpdate = defineUpdate<TransferView, [PostHoldInput]>('postHold');
/** voidHoldUpdate voids a pending hold once, restoring availableMinor; a second resolution → 409. */
export const voidHoldUpdate = defineUpdate<TransferView, [{ actorId: string }]>('voidHold');
