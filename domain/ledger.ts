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
