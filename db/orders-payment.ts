import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import { assertCanDebit } from '../domain/ledger-rules';
import type { Db } from './connection';
import { lockAccounts } from './ledger-postings';

/*
 * The checks an order's payment makes on the accounts it locks (SPEC.md §4), shared by paying
 * a placed order (POST /v1/orders/:id/pay) and paying at placement (`pay`), inside the
 * transaction that writes the payment.
 */

/**
 * noSuchAccount is the refusal for an account named in a body that the caller may not use:
 * the same 404 as a missing one, and as GET /v1/accounts/:id answers, so it tells nothing of
 * whether the account exists or whose it is (SPEC.md §1).
 */
export function noSuchAccount(): DomainError {
  return new DomainError('not_found', 'No such account');
}

/**
 * lockPayingWallet locks the wallet `accountId` and the revenue account (ascending id) and
 * checks that the wallet may pay `amountMinor` for `customerId` in `currency`: the customer's
 * own account, a wallet, in the order's currency, holding that much available money.
 * @throws DomainError `not_found` (404) for a missing account or one of someone else,
 *   `validation_failed` (422) for the customer's own account that is no wallet,
 *   `currency_mismatch` (422), `insufficient_funds` (409, with availableMinor).
 */
export async function lockPayingWallet(
  db: Db,
  transaction: Transaction,
  paying: {
    accountId: string;
    customerId: string;
    currency: string;
    amountMinor: number;
    revenueId: string;
  },
): Promise<void> {
  const { accountId, revenueId } = paying;
  const accounts = await lockAccounts(db, transaction, [accountId, revenueId]).catch(
    (err: unknown) => {
      throw err instanceof DomainError && err.code === 'not_found' ? noSuchAccount() : err;
    },
  );
  const wallet = accounts.get(accountId)!;
  if (wallet.ownerId !== paying.customerId) throw noSuchAccount();
  if (wallet.kind !== 'wallet') {
    const message = 'orders are paid from a wallet';
    throw new DomainError('validation_failed', 'The account is not a wallet', {
      errors: [{ path: 'accountId', message }],
    });
  }
  if (wallet.currency !== paying.currency) {
    throw new DomainError(
      'currency_mismatch',
      `The order is in ${paying.currency}, the wallet in ${wallet.currency}`,
    );
  }
  assertCanDebit(accounts, { fromAccountId: accountId, toAccountId: revenueId, ...paying });
}
