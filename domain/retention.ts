/*
 * The retention contract of SPEC.md §10 "Bounded storage": every table the API writes per
 * request has a rule for when a row is due, and a Temporal Schedule that deletes the due rows
 * in bounded batches. One workflow (workflows/retention.ts) serves every table: its input names
 * the table, and db/retention.ts holds one batch DELETE per table. Adding a table means a name
 * in RETENTION_TABLES, its DELETE, and its Schedule's spec; a table kept a number of days
 * (AGE_RETENTION_TABLES) gets them in its Schedule's input. Safe for workflow code: no I/O.
 */

/**
 * RETENTION_TABLES are the tables the generic retention purges, each with its own rule
 * (db/retention.ts): `idempotency_keys` past IDEMPOTENCY_KEY_TTL once settled; `events` and
 * `webhook_deliveries` older than EVENT_RETENTION_DAYS (SPEC.md §11). `order_failures` keeps its
 * own daily cleanup (workflows/order-failures.ts, SPEC.md §8 "Retention").
 */
export const RETENTION_TABLES = ['idempotency_keys', 'events', 'webhook_deliveries'] as const;

/** RetentionTable names one table the generic retention purges. */
export type RetentionTable = (typeof RETENTION_TABLES)[number];

/** isRetentionTable tells whether `value` names a table of RETENTION_TABLES. */
export function isRetentionTable(value: unknown): value is RetentionTable {
  return (RETENTION_TABLES as readonly unknown[]).includes(value);
}

/**
 * AGE_RETENTION_TABLES are the tables whose rows are due by age alone: `events` by
 * `occurred_at`, `webhook_deliveries` by `created_at`, older than `olderThanDays` days.
 */
export const AGE_RETENTION_TABLES = ['events', 'webhook_deliveries'] as const;

/** isAgeRetentionTable tells whether `table` is kept a number of days (AGE_RETENTION_TABLES). */
export function isAgeRetentionTable(table: RetentionTable): boolean {
  return (AGE_RETENTION_TABLES as readonly RetentionTable[]).includes(table);
}

/** RETENTION_OLDER_THAN_DAYS_MAX bounds `olderThanDays` (EVENT_RETENTION_DAYS: 1–3650). */
export const RETENTION_OLDER_THAN_DAYS_MAX = 3_650;

/**
 * EVENT_RETENTION_DAYS_DEFAULT is EVENT_RETENTION_DAYS' default (SPEC.md §11: 30), for the
 * Schedules of a caller that names no retention.
 */
export const EVENT_RETENTION_DAYS_DEFAULT = 30;

/**
 * isRetentionDays tells whether `value` is a valid `olderThanDays`: a whole number of days,
 * 1–RETENTION_OLDER_THAN_DAYS_MAX.
 */
export function isRetentionDays(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= RETENTION_OLDER_THAN_DAYS_MAX
  );
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
 * `batchSize` rows (1–10 000); `olderThanDays` (1–3650) is the age of a due row, required for
 * AGE_RETENTION_TABLES. `roundsMax` (≥ 1) lowers RETENTION_ROUNDS_MAX so tests can make runs
 * short. `run` (default 1) and `deletedBefore` (default 0) are carried by continue-as-new.
 */
export interface RetentionInput {
  table: RetentionTable;
  batchSize: number;
  olderThanDays?: number;
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
 * `retention-<table with dashes>` (`retention-idempotency-keys`, `retention-events`,
 * `retention-webhook-deliveries`). Temporal appends the
 * scheduled time to the workflow IDs it starts.
 */
export function retentionScheduleId(table: RetentionTable): string {
  return `retention-${table.replaceAll('_', '-')}`;
}
