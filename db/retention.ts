import {
  IDEMPOTENCY_LEASE_GRACE_MS,
  isAgeRetentionTable,
  isRetentionDays,
  type RetentionTable,
} from '../domain/retention';
import { toSafeInt, type Db } from './connection';
import { query, withTransaction } from './transaction';

/*
 * The retention deletes of SPEC.md §10 "Bounded storage", one rule per table: which rows are
 * due (DUE_SQL) and one bounded DELETE of them. retentionWorkflow's activity and `npm run
 * cleanup -- --table <t>` share them. Each batch is one short transaction; rows another purge
 * (or a request) holds are skipped (SKIP LOCKED), so purges never wait on each other or on a
 * request, and a retried batch finds fewer rows.
 */

/**
 * DUE_SQL is, per table, the FROM/WHERE of its due rows and the key DELETE matches on. A key
 * (SPEC.md §1; $1 = lease grace, ms) goes past `expires_at` once settled or its lease ended
 * IDEMPOTENCY_LEASE_GRACE_MS ago, never while its write may still run. Events and deliveries
 * (SPEC.md §11; $1 = days) go by `occurred_at` / `created_at`.
 */
const DUE_SQL: Record<RetentionTable, { from: string; where: string; key: string }> = {
  idempotency_keys: {
    from: 'idempotency_keys',
    where: `expires_at < now()
      AND (status_code IS NOT NULL
           OR locked_until < now() - make_interval(secs => $1::double precision / 1000))`,
    key: 'subject, key',
  },
  events: {
    from: 'events',
    where: 'occurred_at < now() - make_interval(days => $1::int)',
    key: 'id',
  },
  webhook_deliveries: {
    from: 'webhook_deliveries',
    where: 'created_at < now() - make_interval(days => $1::int)',
    key: 'id',
  },
};

/** ORDER_SQL is, per table, the order in which due rows go: oldest first. */
const ORDER_SQL: Record<RetentionTable, string> = {
  idempotency_keys: 'expires_at',
  events: 'occurred_at',
  webhook_deliveries: 'created_at',
};

/**
 * dueBindOf is the binds DUE_SQL's WHERE clause of `table` takes.
 * @throws Error for a table of AGE_RETENTION_TABLES without a valid `olderThanDays` (1–3650).
 */
function dueBindOf(table: RetentionTable, olderThanDays: number | undefined): unknown[] {
  if (!isAgeRetentionTable(table)) return [IDEMPOTENCY_LEASE_GRACE_MS];
  if (!isRetentionDays(olderThanDays))
    throw new Error(`retention of ${table}: ${String(olderThanDays)} is not 1-3650 days`);
  return [olderThanDays];
}

/**
 * countRetentionDue counts the rows of `table` that its retention rule says are due now;
 * `olderThanDays` is the age of a due row for AGE_RETENTION_TABLES (ignored for the others).
 * @throws Error as dueBindOf does, or the database's error.
 */
export async function countRetentionDue(
  db: Db,
  table: RetentionTable,
  olderThanDays?: number,
): Promise<number> {
  const due = DUE_SQL[table];
  const [row] = await query<{ n: string }>(
    db,
    `SELECT count(*) AS n FROM ${due.from} WHERE ${due.where}`,
    dueBindOf(table, olderThanDays),
  );
  return toSafeInt(row!.n);
}

/** PurgeRetentionDueInput bounds one pass over a table: batches of at most `batchSize` rows. */
export interface PurgeRetentionDueInput {
  table: RetentionTable;
  /** olderThanDays is the age of a due row, for AGE_RETENTION_TABLES (1–3650). */
  olderThanDays?: number;
  /** batchSize is the most rows one DELETE statement (one short transaction) removes. */
  batchSize: number;
  /** batchesMax bounds the statements of this pass; a later pass deletes what is left. */
  batchesMax: number;
}

/**
 * purgeRetentionDue deletes `table`'s due rows (DUE_SQL), oldest first, in at most `batchesMax`
 * transactions of ≤ `batchSize` rows (FOR UPDATE SKIP LOCKED), and returns the count. It stops
 * at the first short batch; batchSize × batchesMax means rows may be left.
 * @throws Error for a batch size or count that is not positive, as dueBindOf does, or the database's.
 */
export async function purgeRetentionDue(db: Db, input: PurgeRetentionDueInput): Promise<number> {
  const { table, batchSize, batchesMax } = input;
  if (!Number.isInteger(batchSize) || batchSize < 1 || !Number.isInteger(batchesMax))
    throw new Error(`retention of ${table}: batch ${batchSize} × ${batchesMax} is not positive`);
  const due = DUE_SQL[table];
  const bind = dueBindOf(table, input.olderThanDays);
  const sql = `WITH gone AS (
      DELETE FROM ${due.from} WHERE (${due.key}) IN (
        SELECT ${due.key} FROM ${due.from} WHERE ${due.where}
        ORDER BY ${ORDER_SQL[table]} LIMIT $${bind.length + 1} FOR UPDATE SKIP LOCKED)
      RETURNING 1)
    SELECT count(*) AS n FROM gone`;
  let deleted = 0;
  for (let batch = 0; batch < batchesMax; batch += 1) {
    const count = await withTransaction(db, `retention_${table}`, async (transaction) => {
      const [row] = await query<{ n: string }>(db, sql, [...bind, batchSize], transaction);
      return toSafeInt(row!.n);
    });
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}
