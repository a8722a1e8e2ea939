import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { AccountKind, AccountView, TransferView } from '../domain/ledger';
import { toSafeInt, type Db } from '../db/connection';
import { execute, lockRows, query, withTransaction } from '../db/transaction';

export interface AccountRow {
  id: string;
  owner_id: string | null;
  kind: AccountKind;
  currency: string;
  allow_negative: boolean;
  balance_minor: string;
  pending_debits_minor: string;
  created_at: Date;
}

interface TransferRow {
  id: string;
  kind: string;
  debit_account_id: string;
  credit_account_id: string;
  amount_minor: string;
  currency: string;
  status: 'pending' | 'posted' | 'voided';
  description: string | null;
  timeout_at: Date | null;
  created_at: Date;
  posted_at: Date | null;
  voided_at: Date | null;
}

/** toAccountView maps an `accounts` row to its API shape; available = balance − pending debits. */
export function toAccountView(row: AccountRow): AccountView {
  const balanceMinor = toSafeInt(row.balance_minor);
  const pendingDebitsMinor = toSafeInt(row.pending_debits_minor);
  return {
    id: row.id,
    ownerId: row.owner_id,
    kind: row.kind,
    currency: row.currency,
    allowNegative: row.allow_negative,
    balanceMinor,
    pendingDebitsMinor,
    availableMinor: balanceMinor - pendingDebitsMinor,
    createdAt: row.created_at.toISOString(),
  };
}

/** toTransferView maps a `ledger_transfers` row to its API shape. */
export function toTransferView(row: TransferRow): TransferView {
  return {
    id: row.id,
    kind: row.kind,
    fromAccountId: row.debit_account_id,
    toAccountId: row.credit_account_id,
    amountMinor: toSafeInt(row.amount_minor),
    currency: row.currency,
    status: row.status,
    description: row.description,
    timeoutAt: row.timeout_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    postedAt: row.posted_at?.toISOString() ?? null,
    voidedAt: row.voided_at?.toISOString() ?? null,
  };
}

const ACCOUNT_COLUMNS =
  'id, owner_id, kind, currency, allow_negative, balance_minor, pending_debits_minor, created_at';
const TRANSFER_COLUMNS =
  'id, kind, debit_account_id, credit_account_id, amount_minor, currency, status, description, timeout_at, created_at, posted_at, voided_at';

/**
 * ensureSystemAccount returns the ID of the owner-less account of `kind` in `currency`
 * (`revenue` collects sales, `external` is the world outside that funds deposits and may go
 * negative), creating it on first use. Safe under concurrency: the partial unique index
 * `accounts_system_unique` lets one insert win.
 */
export async function ensureSystemAccount(
  db: Db,
  input: { kind: 'revenue' | 'external'; currency: string },
): Promise<string> {
  await execute(
    db,
    `INSERT INTO accounts (id, owner_id, kind, currency, allow_negative)
     VALUES ($1, NULL, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [newId(), input.kind, input.currency, input.kind === 'external'],
  );
  const rows = await query<{ id: string }>(
    db,
    'SELECT id FROM accounts WHERE owner_id IS NULL AND kind = $1 AND currency = $2',
    [input.kind, input.currency],
  );
  if (rows.length !== 1) throw new Error(`system account ${input.kind}/${input.currency} missing`);
  return rows[0]!.id;
}

/** CreateAccountInput opens an account for an owner (SPEC.md §5). */
export interface CreateAccountInput {
  id: string;
  ownerId: string;
  kind: 'wallet' | 'retainer' | 'bank';
  currency: string;
}

/**
 * createAccount inserts an account with a zero balance, or returns the existing one with the
 * same ID (an idempotent retry). Customer-owned accounts never allow a negative balance.
 */
export async function createAccount(db: Db, input: CreateAccountInput): Promise<AccountView> {
  await execute(
    db,
    `INSERT INTO accounts (id, owner_id, kind, currency, allow_negative)
     VALUES ($1, $2, $3, $4, false) ON CONFLICT (id) DO NOTHING`,
    [input.id, input.ownerId, input.kind, input.currency],
  );
  const account = await findAccount(db, input.id);
  if (!account) throw new Error(`account ${input.id} vanished after insert`);
  return account;
}

/** findAccount reads one account, or undefined when there is none with that ID. */
export async function findAccount(db: Db, accountId: string): Promise<AccountView | undefined> {
  const rows = await query<AccountRow>(
    db,
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
    [accountId],
  );
  return rows[0] ? toAccountView(rows[0]) : undefined;
}

/** findTransfer reads one ledger transfer by its text ID, or undefined. */
export async function findTransfer(
  db: Db,
  transferId: string,
  transaction?: Transaction,
): Promise<TransferView | undefined> {
  const rows = await query<TransferRow>(
    db,
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = $1`,
    [transferId],
    transaction,
  );
  return rows[0] ? toTransferView(rows[0]) : undefined;
}

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
 * postTransferInTx posts a transfer inside the caller's transaction: it locks both accounts
 * `FOR UPDATE` in ascending id order, returns the existing transfer when one with this ID is
 * already there (idempotent), else checks currency and funds, inserts the transfer row and
 * its two entries, and updates both balances.
 *
 * @throws DomainError `same_account`, `currency_mismatch` (422), `not_found` (404),
 *   `insufficient_funds` (409, with `availableMinor`).
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
  const transfer = await insertTransfer(db, transaction, { ...input, from, status: 'posted' });
  await applyEntries(db, transaction, input.id, [
    { accountId: from.id, amountMinor: -input.amountMinor },
    { accountId: to.id, amountMinor: input.amountMinor },
  ]);
  return transfer;
}

/**
 * insertTransfer writes one `ledger_transfers` row in the source account's currency: `posted`
 * (stamped now; the caller writes its entries) or `pending` (a hold with `timeoutAt`).
 */
async function insertTransfer(
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
 * it. The entries of one transfer sum to zero (asserted). Accounts must already be locked.
 */
export async function applyEntries(
  db: Db,
  transaction: Transaction,
  transferId: string,
  entries: { accountId: string; amountMinor: number }[],
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

/**
 * assertCanDebit checks a movement of `amountMinor` from one locked account to another: both
 * in one currency, and the source's available money (balance − open holds) covers it unless
 * the source may go negative (SPEC.md §5 `allowNegative`).
 * @throws DomainError `currency_mismatch` (422), `insufficient_funds` (409, with availableMinor).
 */
function assertCanDebit(
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

/** postTransfer runs postTransferInTx in its own transaction named `post_transfer`. */
export async function postTransfer(db: Db, input: PostTransferInput): Promise<TransferView> {
  return withTransaction(db, 'post_transfer', (transaction) =>
    postTransferInTx(db, transaction, input),
  );
}

/** assertPositiveAmount crashes on a non-positive or non-integer amount: a programmer error. */
function assertPositiveAmount(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new Error(`amountMinor must be a positive safe integer, got ${amountMinor}`);
  }
}

/** CreateHoldInput reserves money on `fromAccountId` for a later post to `toAccountId`. */
export interface CreateHoldInput extends PostTransferInput {
  /** timeoutAt is when the hold's workflow timer voids it (stored for operators). */
  timeoutAt: string;
}

/**
 * createHold opens a two-phase transfer: a `pending` ledger row, and the source's
 * `pending_debits_minor` grows by the amount, so availableMinor drops while the balance stays.
 * Accounts are locked in ascending id order; an existing hold with this ID is returned.
 * @throws DomainError `insufficient_funds` (409), `currency_mismatch`, `same_account` (422),
 *   `not_found` (404).
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
    const hold = await insertTransfer(db, transaction, { ...input, from, status: 'pending' });
    await execute(
      db,
      'UPDATE accounts SET pending_debits_minor = pending_debits_minor + $2, updated_at = now() WHERE id = $1',
      [from.id, input.amountMinor],
      transaction,
    );
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
 * resolveHold posts or voids a pending hold in one transaction (the transfer row, then its
 * accounts in ascending id order). The hold leaves `pending_debits_minor`; a post moves the
 * posted amount with two entries. A hold already resolved the same way is returned (an
 * activity retry); one resolved the other way is refused.
 * @throws DomainError `already_resolved` (409), `validation_failed` (422) when posting more
 *   than was held, `not_found` (404).
 */
export async function resolveHold(db: Db, input: ResolveHoldInput): Promise<TransferView> {
  const target = input.action === 'post' ? 'posted' : 'voided';
  return withTransaction(db, `${input.action}_hold`, async (transaction) => {
    const [hold] = await lockRows<TransferRow>(
      db,
      transaction,
      'ledger_transfers',
      `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = $1 FOR UPDATE`,
      [input.transferId],
    );
    if (!hold) throw new DomainError('not_found', `Transfer ${input.transferId} does not exist`);
    if (hold.status === target) return toTransferView(hold);
    if (hold.status !== 'pending') {
      throw new DomainError('already_resolved', `The hold was already ${hold.status}`, {
        transferStatus: hold.status,
      });
    }
    const heldMinor = toSafeInt(hold.amount_minor);
    const postedMinor = input.amountMinor ?? heldMinor;
    if (input.action === 'post' && postedMinor > heldMinor) {
      throw new DomainError('validation_failed', 'A hold cannot be posted for more than was held', {
        errors: [{ path: 'amountMinor', message: `at most ${heldMinor}` }],
      });
    }
    await lockAccounts(db, transaction, [hold.debit_account_id, hold.credit_account_id]);
    await execute(
      db,
      'UPDATE accounts SET pending_debits_minor = pending_debits_minor - $2, updated_at = now() WHERE id = $1',
      [hold.debit_account_id, heldMinor],
      transaction,
    );
    const stamp = input.action === 'post' ? 'posted_at' : 'voided_at';
    const rows = await execute<TransferRow>(
      db,
      `UPDATE ledger_transfers SET status = $2, amount_minor = $3, ${stamp} = now() WHERE id = $1 RETURNING ${TRANSFER_COLUMNS}`,
      [hold.id, target, input.action === 'post' ? postedMinor : heldMinor],
      transaction,
    );
    if (input.action === 'post') {
      await applyEntries(db, transaction, hold.id, [
        { accountId: hold.debit_account_id, amountMinor: -postedMinor },
        { accountId: hold.credit_account_id, amountMinor: postedMinor },
      ]);
    }
    return toTransferView(rows[0]!);
  });
}
