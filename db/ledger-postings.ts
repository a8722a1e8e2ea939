import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import {
  HOLD_MACHINE,
  type AccountView,
  type TransferStatus,
  type TransferView,
} from '../domain/ledger';
import {
  assertCanDebit,
  assertEntriesInRange,
  assertPositiveAmount,
  type LedgerEntryInput,
} from '../domain/ledger-rules';
import type { Db } from './connection';
import {
  ACCOUNT_COLUMNS,
  findTransfer,
  toAccountView,
  toTransferView,
  TRANSFER_COLUMNS,
  type AccountRow,
  type TransferRow,
} from './ledger';
import { recordEvent } from './events';
import { execute, lockRows, query, withTransaction } from './transaction';
import type { Audience, StatefulTable } from './transition';

/*
 * Ledger postings (SPEC.md §5): double-entry moves of money inside a caller's transaction,
 * locking accounts FOR UPDATE in ascending id order. Shared by the ledger, order and
 * staff-payment activities, so every movement of money is written one way.
 */

/** PostTransferInput describes one posted movement of money between two accounts. */
export interface PostTransferInput {
  /** id is the transfer's unique text ID: a workflow ID, so a retry finds the first post. */
  id: string;
  kind: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: number;
  description?: string | null;
  initiatedBy?: string | null;
}

/**
 * postTransferInTx posts a transfer inside the caller's transaction: both accounts locked
 * ascending, an existing transfer with this ID returned (idempotent), else the checks, the
 * transfer row, its two entries and both balances. @throws DomainError, see
 * api/ledger/service.ts transfer.
 */
export async function postTransferInTx(
  db: Db,
  transaction: Transaction,
  input: PostTransferInput,
): Promise<TransferView> {
  assertPositiveAmount(input.amountMinor);
  if (input.fromAccountId === input.toAccountId) {
    throw new DomainError('same_account', 'A transfer needs two different accounts');
  }
  const accounts = await lockAccounts(db, transaction, [input.fromAccountId, input.toAccountId]);
  const existing = await findTransfer(db, input.id, transaction);
  if (existing) return existing;
  const { from, to } = assertCanDebit(accounts, input);
  const entries = [
    { accountId: from.id, amountMinor: -input.amountMinor },
    { accountId: to.id, amountMinor: input.amountMinor },
  ];
  assertEntriesInRange(accounts, entries);
  const transfer = await insertTransfer(db, transaction, { ...input, from, status: 'posted' });
  await applyEntries(db, transaction, input.id, entries);
  await recordEvent(db, transaction, {
    type: 'transfer.posted',
    subject: { type: 'transfer', id: transfer.id },
    customerIds: [from.ownerId, to.ownerId],
    sellerIds: [],
    data: transfer,
  });
  return transfer;
}

/**
 * insertTransfer writes one `ledger_transfers` row in the source account's currency: `posted`
 * (stamped now; the caller writes its entries) or `pending` (a hold with `timeoutAt`).
 */
export async function insertTransfer(
  db: Db,
  transaction: Transaction,
  input: PostTransferInput & {
    from: AccountView;
    status: 'posted' | 'pending';
    timeoutAt?: string;
  },
): Promise<TransferView> {
  const rows = await execute<TransferRow>(
    db,
    `INSERT INTO ledger_transfers (id, kind, debit_account_id, credit_account_id, amount_minor, currency,
       status, description, initiated_by, timeout_at, posted_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $7 = 'posted' THEN now() END)
     RETURNING ${TRANSFER_COLUMNS}`,
    [
      input.id,
      input.kind,
      input.from.id,
      input.toAccountId,
      input.amountMinor,
      input.from.currency,
      input.status,
      input.description ?? null,
      input.initiatedBy ?? null,
      input.timeoutAt ?? null,
    ],
    transaction,
  );
  return toTransferView(rows[0]!);
}

/**
 * applyEntries moves balances and writes one ledger entry per account, with the balance after
 * it. The entries of one transfer sum to zero (asserted). Accounts must already be locked and
 * the entries checked by assertEntriesInRange (the CHECKs of 0008_number_range back it).
 */
export async function applyEntries(
  db: Db,
  transaction: Transaction,
  transferId: string,
  entries: readonly LedgerEntryInput[],
): Promise<void> {
  const sum = entries.reduce((total, entry) => total + entry.amountMinor, 0);
  if (sum !== 0) throw new Error(`entries of ${transferId} sum to ${sum}, not 0`);
  const sorted = [...entries].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  await execute(
    db,
    `WITH moved AS (
       UPDATE accounts a SET balance_minor = a.balance_minor + e.amount, updated_at = now()
       FROM unnest($2::uuid[], $3::bigint[]) AS e(account_id, amount)
       WHERE a.id = e.account_id
       RETURNING a.id, a.balance_minor, e.amount
     )
     INSERT INTO ledger_entries (transfer_id, account_id, amount_minor, balance_after_minor)
     SELECT $1, id, amount, balance_minor FROM moved`,
    [transferId, sorted.map((e) => e.accountId), sorted.map((e) => e.amountMinor)],
    transaction,
  );
}

/**
 * lockAccounts locks the given accounts `FOR UPDATE` in ascending id order and returns them by
 * ID. @throws DomainError `not_found` naming the first missing account.
 */
export async function lockAccounts(
  db: Db,
  transaction: Transaction,
  accountIds: string[],
): Promise<Map<string, AccountView>> {
  const ids = [...new Set(accountIds)].sort();
  const rows = await lockRows<AccountRow>(
    db,
    transaction,
    'accounts',
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, toAccountView(row)]));
  for (const id of ids) {
    if (!byId.has(id))
      throw new DomainError('not_found', `Account ${id} does not exist`, { accountId: id });
  }
  return byId;
}

/** postTransfer runs postTransferInTx in its own transaction named `post_transfer`. */
export async function postTransfer(db: Db, input: PostTransferInput): Promise<TransferView> {
  return withTransaction(db, 'post_transfer', (transaction) =>
    postTransferInTx(db, transaction, input),
  );
}

/**
 * lockHold locks one ledger transfer `FOR UPDATE` (a hold's first lock, before its accounts).
 * @throws DomainError `not_found` (404).
 */
async function lockHold(
  db: Db,
  transaction: Transaction,
  transferId: string,
): Promise<TransferView> {
  const [row] = await lockRows<TransferRow>(
    db,
    transaction,
    'ledger_transfers',
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = $1 FOR UPDATE`,
    [transferId],
  );
  if (!row) throw new DomainError('not_found', `Transfer ${transferId} does not exist`);
  return toTransferView(row);
}

/** HOLDS are the two-phase ledger transfers for db/transition.ts (SPEC.md §5 "Holds"). */
export const HOLDS: StatefulTable<TransferStatus, TransferView, 'amountMinor'> = {
  noun: 'hold',
  table: 'ledger_transfers',
  machine: HOLD_MACHINE,
  lock: lockHold,
  read: findTransfer,
  stampColumns: { posted: 'posted_at', voided: 'voided_at' },
  referenceColumns: { amountMinor: 'amount_minor' },
  touchesUpdatedAt: false,
  subject: 'hold',
  audience: (db, transaction, hold) => transferAudience(db, transaction, hold),
};

/** transferAudience reads who sees a transfer's events: the owners of its two accounts. */
async function transferAudience(
  db: Db,
  transaction: Transaction,
  transfer: TransferView,
): Promise<Audience> {
  const rows = await query<{ owner_id: string | null }>(
    db,
    'SELECT owner_id FROM accounts WHERE id = ANY($1::uuid[]) ORDER BY id = $2 DESC',
    [[transfer.fromAccountId, transfer.toAccountId], transfer.fromAccountId],
    transaction,
  );
  return { customerIds: rows.map((r) => r.owner_id), sellerIds: [] };
}

/**
 * addPendingDebits changes an account's `pending_debits_minor` by `deltaMinor` (minor units:
 * positive when a hold opens, negative when it resolves). Call it with the account locked.
 */
export async function addPendingDebits(
  db: Db,
  transaction: Transaction,
  accountId: string,
  deltaMinor: number,
): Promise<void> {
  await execute(
    db,
    'UPDATE accounts SET pending_debits_minor = pending_debits_minor + $2, updated_at = now() WHERE id = $1',
    [accountId, deltaMinor],
    transaction,
  );
}
