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

/** PaymentStatus: a staff payment is `pending` until completed once (SPEC.md §5). */
export type PaymentStatus = 'pending' | 'completed';

/** PaymentView is the API shape of a staff payment. */
export interface PaymentView {
  id: string;
  payerAccountId: string;
  payeeAccountId: string;
  amountMinor: number;
  currency: string;
  status: PaymentStatus;
  transferId: string | null;
  workflowId: string;
  createdAt: string;
  completedAt: string | null;
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

/** PaymentWorkflowInput starts `payment-<paymentId>`. */
export interface PaymentWorkflowInput {
  paymentId: string;
}
