import { INVALID_BOOKING } from './bookings';
import { DomainError, invalidField } from './errors';
import type { AccountKind, AccountView } from './ledger';
import { assertBalanceInRange } from './number-range';

/*
 * The ledger's rules (SPEC.md §5) on accounts as a posting locked them: pure checks, so
 * db/ledger-postings.ts only reads and writes.
 */

/** assertPositiveAmount crashes on a non-positive or non-integer amount: a programmer error. */
export function assertPositiveAmount(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new Error(`amountMinor must be a positive safe integer, got ${amountMinor}`);
  }
}

/**
 * assertCanDebit checks a movement of `amountMinor` from one locked account to another: both
 * in one currency, and the source's available money (balance − open holds) covers it unless
 * the source may go negative (SPEC.md §5 `allowNegative`).
 * @throws DomainError `currency_mismatch` (422), `insufficient_funds` (409, with availableMinor).
 */
export function assertCanDebit(
  accounts: Map<string, AccountView>,
  input: { fromAccountId: string; toAccountId: string; amountMinor: number },
): { from: AccountView; to: AccountView } {
  const from = accounts.get(input.fromAccountId)!;
  const to = accounts.get(input.toAccountId)!;
  if (from.currency !== to.currency) {
    throw new DomainError(
      'currency_mismatch',
      `Cannot move ${from.currency} into a ${to.currency} account`,
    );
  }
  if (!from.allowNegative && from.availableMinor < input.amountMinor) {
    throw new DomainError(
      'insufficient_funds',
      'The account does not hold enough available money',
      {
        accountId: from.id,
        availableMinor: from.availableMinor,
        requestedMinor: input.amountMinor,
      },
    );
  }
  return { from, to };
}

/** LedgerEntryInput is one entry of a posting: a signed amount on one account, in minor units. */
export interface LedgerEntryInput {
  accountId: string;
  amountMinor: number;
  /**
   * pendingDeltaMinor is the signed change the same posting makes to the account's pending
   * debits (a hold posted releases what it held); only the range check reads it.
   */
  pendingDeltaMinor?: number;
}

/**
 * assertEntriesInRange checks, before anything is written, that every account an entry
 * touches (system accounts too: `external`, `revenue`, a programme's funding) keeps its
 * balance, pending debits and available money within ±(2^53 − 1) minor units (SPEC.md §1).
 * `locked` are the accounts as locked FOR UPDATE in this transaction.
 * @throws DomainError `amount_out_of_range` (422), a refusal the activity does not retry.
 */
export function assertEntriesInRange(
  locked: Map<string, AccountView>,
  entries: readonly LedgerEntryInput[],
): void {
  for (const entry of entries) {
    const account = locked.get(entry.accountId);
    if (!account) throw new Error(`account ${entry.accountId} is not locked for its entry`);
    assertBalanceInRange(
      {
        balanceMinor: account.balanceMinor,
        pendingDebitsMinor: account.pendingDebitsMinor,
        balanceDeltaMinor: entry.amountMinor,
        pendingDeltaMinor: entry.pendingDeltaMinor ?? 0,
      },
      'an account of this transfer',
    );
  }
}

/** Payable is what a customer's wallet pays: an order (SPEC.md §4) or a booking (§6). */
export type Payable = 'order' | 'booking';

/** NOT_A_WALLET_DETAIL is the `detail` of the 422 for a customer's own account of another kind. */
const NOT_A_WALLET_DETAIL: Record<Payable, string> = {
  order: 'The account is not a wallet',
  booking: INVALID_BOOKING,
};

/** PayingAccount is what the wallet rule reads of the account a payment comes from. */
export interface PayingAccount {
  ownerId: string | null;
  kind: AccountKind;
}

/**
 * assertPaysFromOwnWallet checks that `account` is one of `customerId`'s wallets. Someone
 * else's account is hidden as a missing one (SPEC.md §1: a resource named in the body).
 */
export function assertPaysFromOwnWallet<T extends PayingAccount>(
  account: T | undefined,
  customerId: string,
  payable: Payable,
): asserts account is T {
  if (account?.ownerId !== customerId) throw new DomainError('not_found', 'No such account');
  if (account.kind !== 'wallet') {
    const message = `${payable}s are paid from a wallet`;
    throw invalidField('accountId', message, NOT_A_WALLET_DETAIL[payable]);
  }
}

/** assertWalletCurrency checks that the wallet is in the currency of what it pays. */
export function assertWalletCurrency(payable: Payable, currency: string, walletCurrency: string) {
  if (walletCurrency !== currency) {
    throw new DomainError(
      'currency_mismatch',
      `The ${payable} is in ${currency}, the wallet in ${walletCurrency}`,
    );
  }
}
