import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import {
  assertCanDebit,
  assertPaysFromOwnWallet,
  assertWalletCurrency,
  type Payable,
} from '../domain/ledger-rules';
import type { Db } from './connection';
import { lockAccounts } from './ledger-postings';

/*
 * The checks a payment from a customer's wallet makes on the accounts it locks, inside the
 * transaction that writes it: paying an order (at placement or later, SPEC.md §4) and
 * confirming a booking (§6).
 */

/**
 * noSuchAccount is the refusal for an account named in a body that the caller may not use:
 * the same 404 as a missing one, and as GET /v1/accounts/:id answers, so it tells nothing of
 * whether the account exists or whose it is (SPEC.md §1).
 */
export function noSuchAccount(): DomainError {
  return new DomainError('not_found', 'No such account');
}

/** PayingWallet is a payment to check: who pays what, from which wallet, to which revenue. */
export interface PayingWallet {
  payable: Payable;
  accountId: string;
  customerId: string;
  currency: string;
  amountMinor: number;
  revenueId: string;
}

/**
 * lockPayingWallet locks the wallet and the revenue account (ascending id) and checks that the
 * wallet may pay: the customer's own wallet, in the payable's currency, holding `amountMinor`
 * (404 for a missing or foreign account, 422, 409 `insufficient_funds`).
 */
export async function lockPayingWallet(
  db: Db,
  transaction: Transaction,
  paying: PayingWallet,
): Promise<void> {
  const { accountId, revenueId } = paying;
  const accounts = await lockAccounts(db, transaction, [accountId, revenueId]).catch(
    (err: unknown) => {
      throw err instanceof DomainError && err.code === 'not_found' ? noSuchAccount() : err;
    },
  );
  const wallet = accounts.get(accountId);
  assertPaysFromOwnWallet(wallet, paying.customerId, paying.payable);
  assertWalletCurrency(paying.payable, paying.currency, wallet.currency);
  assertCanDebit(accounts, { fromAccountId: accountId, toAccountId: revenueId, ...paying });
}
