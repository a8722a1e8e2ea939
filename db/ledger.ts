import type { Transaction } from 'sequelize';
import { newId } from '../domain/ids';
import type { AccountKind, AccountView, TransferView } from '../domain/ledger';
import { toSafeInt, type Db } from './connection';
import { execute, query } from './transaction';

/*
 * Ledger reads and account writes (SPEC.md §5) shared by the API and the ledger, order and
 * staff-payment activities. Postings (money moving under row locks) are in ledger-postings.ts.
 */

/** AccountRow is an `accounts` row. */
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

/** TransferRow is a `ledger_transfers` row. */
export interface TransferRow {
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

/** ACCOUNT_COLUMNS and TRANSFER_COLUMNS are the columns every account and transfer read selects. */
export const ACCOUNT_COLUMNS =
  'id, owner_id, kind, currency, allow_negative, balance_minor, pending_debits_minor, created_at';
export const TRANSFER_COLUMNS =
  'id, kind, debit_account_id, credit_account_id, amount_minor, currency, status, description, timeout_at, created_at, posted_at, voided_at';

/**
 * ensureSystemAccount returns the ID of the owner-less account of `kind` in `currency`
 * (`revenue` collects sales, `external` is the world outside that funds deposits and may go
 * negative), creating it on first use. Safe under concurrency: the partial unique index
 * `accounts_system_unique` lets one insert win. Inside `transaction` (the posting's), a refused
 * posting leaves no new account behind.
 */
export async function ensureSystemAccount(
  db: Db,
  input: { kind: 'revenue' | 'external'; currency: string },
  transaction?: Transaction,
): Promise<string> {
  await execute(
    db,
    `INSERT INTO accounts (id, owner_id, kind, currency, allow_negative)
     VALUES ($1, NULL, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [newId(), input.kind, input.currency, input.kind === 'external'],
    transaction,
  );
  const rows = await query<{ id: string }>(
    db,
    'SELECT id FROM accounts WHERE owner_id IS NULL AND kind = $1 AND currency = $2',
    [input.kind, input.currency],
    transaction,
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
 * Inside `transaction` (a funding posting's), the account exists only if that commits.
 */
export async function createAccount(
  db: Db,
  input: CreateAccountInput,
  transaction?: Transaction,
): Promise<AccountView> {
  await execute(
    db,
    `INSERT INTO accounts (id, owner_id, kind, currency, allow_negative)
     VALUES ($1, $2, $3, $4, false) ON CONFLICT (id) DO NOTHING`,
    [input.id, input.ownerId, input.kind, input.currency],
    transaction,
  );
  const account = await findAccount(db, input.id, transaction);
  if (!account) throw new Error(`account ${input.id} vanished after insert`);
  return account;
}

/** findAccount reads one account, or undefined when there is none with that ID. */
export async function findAccount(
  db: Db,
  accountId: string,
  transaction?: Transaction,
): Promise<AccountView | undefined> {
  const rows = await query<AccountRow>(
    db,
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
    [accountId],
    transaction,
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

/** EntryView is one ledger entry of an account: signed amount and the balance after it. */
export interface EntryView {
  id: number;
  transferId: string;
  accountId: string;
  amountMinor: number;
  balanceAfterMinor: number;
  createdAt: string;
}

/** listEntries pages through an account's entries newest first, before entry `beforeId`. */
export async function listEntries(
  db: Db,
  input: { accountId: string; limit: number; beforeId?: string },
): Promise<EntryView[]> {
  const rows = await query<{
    id: string;
    transfer_id: string;
    account_id: string;
    amount_minor: string;
    balance_after_minor: string;
    created_at: Date;
  }>(
    db,
    `SELECT id, transfer_id, account_id, amount_minor, balance_after_minor, created_at FROM ledger_entries
     WHERE account_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $3`,
    [input.accountId, input.beforeId ?? null, input.limit],
  );
  return rows.map((r) => ({
    id: toSafeInt(r.id),
    transferId: r.transfer_id,
    accountId: r.account_id,
    amountMinor: toSafeInt(r.amount_minor),
    balanceAfterMinor: toSafeInt(r.balance_after_minor),
    createdAt: r.created_at.toISOString(),
  }));
}

/** ListAccountsInput filters accounts by owner, kind and currency, paged by ascending id. */
export interface ListAccountsInput {
  ownerId?: string;
  kind?: AccountKind;
  currency?: string;
  limit: number;
  afterId?: string;
}

/** listAccounts returns accounts matching every given filter, ascending by id after `afterId`. */
export async function listAccounts(db: Db, input: ListAccountsInput): Promise<AccountView[]> {
  const rows = await query<AccountRow>(
    db,
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts
     WHERE ($1::uuid IS NULL OR owner_id = $1) AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR currency = $3)
       AND ($4::uuid IS NULL OR id > $4) ORDER BY id LIMIT $5`,
    [
      input.ownerId ?? null,
      input.kind ?? null,
      input.currency ?? null,
      input.afterId ?? null,
      input.limit,
    ],
  );
  return rows.map(toAccountView);
}
