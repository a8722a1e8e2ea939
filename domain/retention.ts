/*
 * The retention contract of SPEC.md §10 "Bounded storage": every table the API writes per
 * request has a rule for when a row is due, and a Temporal Schedule that deletes the due rows
 * in bounded batches. One workflow (workflows/retention.ts) serves every table: its input names
 * the table, and db/retention.ts holds one batch DELETE per table. Adding a table (events,
 * webhook deliveries) means a name in RETENTION_TABLES, its DELETE, and its Schedule's spec.
 * Safe for workflow code: no I/O.
 */

/**
 * RETENTION_TABLES are the tables the generic retention purges, each with its own rule
 * (db/retention.ts): `idempotency_keys` rows past `expires_at` (IDEMPOTENCY_KEY_TTL after their
 * claim) whose write has settled or whose lease ran out long ago. `order_failures` keeps its
 * own daily cleanup (workflows/order-failures.ts, SPEC.md §8 "Retention").
 */
export const RETENTION_TABLES = ['idempotency_keys'] as const;

/** RetentionTable names one table the generic retention purges. */
export type RetentionTable = (typeof RETENTION_TABLES)[number];

/** isRetentionTable tells whether `value` names a table of RETENTION_TABLES. */
export function isRetentionTable(value: unknown): value is RetentionTable {
  return (RETENTION_TABLES as readonly unknown[]).includes(value);
}

/** RETENTION_DELETE_BATCH_SIZE is how many rows one DELETE statement removes at most. */
export const RETENTION_DELETE_BATCH_SIZE = 1_000;

/** RETENTION_DELETE_BATCH_SIZE_MAX bounds a caller's batch size. */
export const RETENTION_DELETE_BATCH_SIZE_MAX = 10_000;

/**
 * RETENTION_ACTIVITY_BATCHES_MAX bounds the DELETE batches of one purge activity, so an
 * activity stays well inside DB_ACTIVITY_OPTIONS' 10 s start-to-close timeout.
 */
export const RETENTION_ACTIVITY_BATCHES_MAX = 20;

/**
 * RETENTION_ROUNDS_MAX bounds the activities one run calls before it continues as new, so one
 * run's history stays a few hundred events: a run deletes at most ROUNDS × ACTIVITY_BATCHES ×
 * batch size rows (1 million with the defaults).
 */
export const RETENTION_ROUNDS_MAX = 50;

/**
 * RETENTION_RUNS_MAX bounds the runs of one firing (the first and its continuations); what is
 * left then waits for the Schedule's next firing. 10 million rows per firing by default.
 */
export const RETENTION_RUNS_MAX = 10;

/**
 * IDEMPOTENCY_LEASE_GRACE_MS is how long past its lease (`locked_until`) an unsettled
 * Idempotency-Key is kept even when it has expired: a key is never deleted while the write it
 * started may still happen (SPEC.md §1), and a write runs under its lease. 1 h, sixty times the
 * API's 60 s lease.
 */
export const IDEMPOTENCY_LEASE_GRACE_MS = 60 * 60_000;

/**
 * RetentionInput starts retentionWorkflow: purge `table`'s due rows in DELETE batches of
 * `batchSize` rows (1–10 000). `roundsMax` (≥ 1) lowers RETENTION_ROUNDS_MAX (activities per run)
 * so tests can make runs short. `run` (1-based, default 1) and `deletedBefore` (default 0) are
 * carried by continue-as-new: which run of this firing this is, and what earlier runs deleted.
 */
export interface RetentionInput {
  table: RetentionTable;
  batchSize: number;
  roundsMax?: number;
  run?: number;
  deletedBefore?: number;
}

/**
 * PurgeRetentionResult is what one purge activity deleted, and whether no due row was left
 * when it stopped (`complete`, as far as its last batch saw).
 */
export interface PurgeRetentionResult {
  deleted: number;
  complete: boolean;
}

/**
 * RetentionResult is what one firing of a retention Schedule did: the table, the rows deleted
 * across all its runs, how many runs it took, and whether it finished (`complete`: no due row
 * was left; false when RETENTION_RUNS_MAX stopped it, and the next firing goes on).
 */
export interface RetentionResult {
  table: RetentionTable;
  deleted: number;
  runs: number;
  complete: boolean;
}

/**
 * retentionScheduleId names the Temporal Schedule of a table's retention:
 * `retention-<table with dashes>` (`retention-idempotency-keys`). Temporal appends the
 * scheduled time to the workflow IDs it starts.
 */
export function retentionScheduleId(table: RetentionTable): string {
  return `retention-${table.replaceAll('_', '-')}`;
}
