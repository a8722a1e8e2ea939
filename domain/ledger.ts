import { defineUpdate } from '@temporalio/workflow';
import { DomainError } from './errors';
import { defineStateMachine } from './state-machine';

/*
 * The ledger's contract (SPEC.md §5): accounts, transfers, holds, retainers and deposits; the
 * shapes the API returns, the inputs of `transfer-<id>` and its Updates. Safe to import from
 * workflow code; the request schemas are in ledger-schemas.ts.
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

/**
 * HOLD_MACHINE is a hold's lifecycle (SPEC.md §5 "Holds"): `pending → posted|voided`, once.
 * A second resolution is 409 `already_resolved` with the `transferStatus` it found.
 */
export const HOLD_MACHINE = defineStateMachine<TransferStatus>(
  { pending: ['posted', 'voided'], posted: [], voided: [] },
  (from) =>
    new DomainError('already_resolved', `The hold was already ${from}`, { transferStatus: from }),
);

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
  /**
   * opensAccount, on a deposit, opens the target account (`toAccountId`, zero balance) in the
   * posting's own transaction, so an account funded at opening (a retainer, SPEC.md §5) never
   * exists unfunded: a refused or failed funding leaves no row.
   */
  opensAccount?: { ownerId: string; kind: 'retainer'; currency: string };
}

/** createHoldUpdate places the hold (Update-with-Start) and returns the pending transfer. */
export const createHoldUpdate = defineUpdate<TransferView>('createHold');
/** postHoldUpdate posts a pending hold once, possibly for less; a second resolution → 409. */
export const postHoldUpdate = defineUpdate<TransferView, [PostHoldInput]>('postHold');
/** voidHoldUpdate voids a pending hold once, restoring availableMinor; a second resolution → 409. */
export const voidHoldUpdate = defineUpdate<TransferView, [{ actorId: string }]>('voidHold');
