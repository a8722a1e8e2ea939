import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import type { TransferView, TransferWorkflowInput } from '../domain/ledger';
import { assertBalanceInRange } from '../domain/number-range';
import { assertCanDebit, assertEntriesInRange, assertPositiveAmount } from '../domain/ledger-rules';
import type { Db } from '../db/connection';
import { createAccount, ensureSystemAccount, findAccount, findTransfer } from '../db/ledger';
import {
  addPendingDebits,
  applyEntries,
  HOLDS,
  insertTransfer,
  lockAccounts,
  postTransferInTx,
  type PostTransferInput,
} from '../db/ledger-postings';
import { withTransaction } from '../db/transaction';
import { transition } from '../db/transition';

/*
 * The ledger activities (SPEC.md §5): a posted transfer, and the two phases of a hold. Each
 * is one transaction keyed by the transfer's ID, so a retried activity finds its first write.
 */

/**
 * executeTransfer posts the transfer of `transfer-<id>` under that ID (a retry returns it). A
 * deposit comes from the currency's `external` account, a retainer consumption goes to its
 * `revenue` account; both are made on first use in the posting's transaction, like the account
 * a deposit opens (`opensAccount`). @throws DomainError, see api/ledger/service.ts.
 */
export async function executeTransfer(db: Db, input: TransferWorkflowInput): Promise<TransferView> {
  return withTransaction(db, 'post_transfer', async (transaction) => {
    let { fromAccountId, toAccountId } = input;
    if (input.opensAccount) await openFundedAccount(db, input, transaction);
    if (input.kind === 'deposit') {
      fromAccountId = await systemAccountFor(db, toAccountId, 'external', transaction);
    } else if (input.kind === 'retainer_consumption') {
      toAccountId = await systemAccountFor(db, fromAccountId, 'revenue', transaction);
    }
    if (!fromAccountId || !toAccountId)
      throw new Error(`transfer ${input.transferId} lacks an account`);
    return postTransferInTx(db, transaction, {
      id: input.transferId,
      kind: input.kind,
      fromAccountId,
      toAccountId,
      amountMinor: input.amountMinor,
      description: input.description ?? null,
      initiatedBy: input.initiatedBy,
    });
  });
}

/**
 * openFundedAccount opens the account a deposit funds at its opening (`opensAccount`, a
 * retainer) in the posting's transaction: it commits with its funding or not at all, and a
 * retried activity finds the account and the posted transfer of its first run.
 */
async function openFundedAccount(
  db: Db,
  input: TransferWorkflowInput,
  transaction: Transaction,
): Promise<void> {
  const opens = input.opensAccount!;
  if (input.kind !== 'deposit' || !input.toAccountId)
    throw new Error(`transfer ${input.transferId} opens an account but is no deposit into one`);
  await createAccount(db, { id: input.toAccountId, ...opens }, transaction);
}

/**
 * systemAccountFor returns the system account of `kind` in the currency of `accountId`.
 * @throws DomainError `not_found` (404) when `accountId` does not exist.
 */
async function systemAccountFor(
  db: Db,
  accountId: string | undefined,
  kind: 'external' | 'revenue',
  transaction: Transaction,
): Promise<string> {
  // Inside the posting's transaction: a read on another connection while this one is held
  // starved the pool (20 concurrent deposits, DB_POOL_MAX 10: every connection waited for one).
  const account = accountId ? await findAccount(db, accountId, transaction) : undefined;
  if (!account) throw new DomainError('not_found', `Account ${accountId} does not exist`);
  return ensureSystemAccount(db, { kind, currency: account.currency }, transaction);
}

/** CreateHoldInput reserves money on `fromAccountId` for a later post to `toAccountId`. */
export interface CreateHoldInput extends PostTransferInput {
  /** timeoutAt is when the hold's workflow timer voids it (stored for operators). */
  timeoutAt: string;
}

/**
 * createHold opens a two-phase transfer: a `pending` row, and the source's
 * `pending_debits_minor` grows, so availableMinor drops while the balance stays. Accounts are
 * locked ascending; an existing hold with this ID is returned. @throws see placeHold.
 */
export async function createHold(db: Db, input: CreateHoldInput): Promise<TransferView> {
  assertPositiveAmount(input.amountMinor);
  if (input.fromAccountId === input.toAccountId)
    throw new DomainError('same_account', 'A hold needs two different accounts');
  return withTransaction(db, 'create_hold', async (transaction) => {
    const accounts = await lockAccounts(db, transaction, [input.fromAccountId, input.toAccountId]);
    const existing = await findTransfer(db, input.id, transaction);
    if (existing) return existing;
    const { from } = assertCanDebit(accounts, input);
    const change = { balanceDeltaMinor: 0, pendingDeltaMinor: input.amountMinor };
    assertBalanceInRange({ ...from, ...change }, 'the source account');
    const hold = await insertTransfer(db, transaction, { ...input, from, status: 'pending' });
    await addPendingDebits(db, transaction, from.id, input.amountMinor);
    return hold;
  });
}

/** ResolveHoldInput posts (optionally for `amountMinor` ≤ the held amount) or voids a hold. */
export interface ResolveHoldInput {
  transferId: string;
  action: 'post' | 'void';
  amountMinor?: number;
}

/**
 * resolveHold posts (two entries, possibly for less) or voids a pending hold through
 * transition(); either way it leaves `pending_debits_minor`. A hold resolved the same way is
 * returned (a retry). @throws DomainError, see api/ledger/service.ts resolveHold.
 */
export async function resolveHold(db: Db, input: ResolveHoldInput): Promise<TransferView> {
  const post = input.action === 'post';
  return transition(db, HOLDS, {
    id: input.transferId,
    target: post ? 'posted' : 'voided',
    async apply(transaction, hold) {
      const heldMinor = hold.amountMinor;
      const postedMinor = post ? (input.amountMinor ?? heldMinor) : 0;
      if (postedMinor > heldMinor) {
        throw new DomainError(
          'validation_failed',
          'A hold cannot be posted for more than was held',
          {
            errors: [{ path: 'amountMinor', message: `at most ${heldMinor}` }],
          },
        );
      }
      const accounts = await lockAccounts(db, transaction, [hold.fromAccountId, hold.toAccountId]);
      const entries = [
        { accountId: hold.fromAccountId, amountMinor: -postedMinor, pendingDeltaMinor: -heldMinor },
        { accountId: hold.toAccountId, amountMinor: postedMinor },
      ];
      if (post) assertEntriesInRange(accounts, entries);
      await addPendingDebits(db, transaction, hold.fromAccountId, -heldMinor);
      if (post) await applyEntries(db, transaction, hold.id, entries);
      return { amountMinor: post ? postedMinor : heldMinor };
    },
  });
}
