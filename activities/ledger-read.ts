import { toSafeInt, type Db } from '../db/connection';
import { query } from '../db/transaction';
import type { AccountKind, AccountView } from '../domain/ledger';
import { toAccountView, type AccountRow } from './ledger';

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
    `SELECT id, owner_id, kind, currency, allow_negative, balance_minor, pending_debits_minor, created_at FROM accounts
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
