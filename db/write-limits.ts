import type { Db } from './connection';
import { execute } from './transaction';

/*
 * The write limit's shared state (SPEC.md §10, WRITES_PER_MINUTE): one `write_limits` row per
 * limited caller, counted by PostgreSQL so every API replica enforces one limit.
 */

/**
 * STALE_WINDOWS_PURGE_MAX bounds how many ended windows of other callers one write deletes.
 * Each write creates at most one row and deletes up to this many ended ones, so the table
 * holds about one row per caller active in the last minute or two, however long it runs.
 */
const STALE_WINDOWS_PURGE_MAX = 8;

/** CountWriteInput names the caller whose write is counted and the window length. */
export interface CountWriteInput {
  /** subject is the limited caller: `customer:<sub>` or `operator:<sub>`. */
  subject: string;
  /** windowMs is the window's length (60 000 for a per-minute limit). */
  windowMs: number;
}

/** WriteCount is the caller's window after counting one more write. */
export interface WriteCount {
  /** writes counts the writes of the current window, this one included (refused ones too). */
  writes: number;
  /** resetMs is how long until the current window ends, at the database's clock (> 0). */
  resetMs: number;
}

/**
 * countWrite counts one write of `subject` in one INSERT … ON CONFLICT DO UPDATE, starting a new
 * window (writes = 1) once the stored one has ended; the row lock numbers concurrent writes 1, 2,
 * 3 … on every replica. Windows are anchored at use on PostgreSQL's clock, not the clock minute.
 * The statement also purges up to STALE_WINDOWS_PURGE_MAX ended windows of others (SKIP LOCKED),
 * so the table stays bounded without a job.
 */
export async function countWrite(db: Db, input: CountWriteInput): Promise<WriteCount> {
  const [row] = await execute<{ writes: number; reset_ms: string }>(
    db,
    `WITH window_length AS (SELECT $2::int * interval '1 millisecond' AS length),
     purged AS (
       DELETE FROM write_limits WHERE subject IN (
         SELECT subject FROM write_limits
         WHERE window_start <= now() - (SELECT length FROM window_length) AND subject <> $1
         ORDER BY window_start LIMIT ${STALE_WINDOWS_PURGE_MAX} FOR UPDATE SKIP LOCKED))
     INSERT INTO write_limits AS w (subject, window_start, writes) VALUES ($1, now(), 1)
     ON CONFLICT (subject) DO UPDATE SET
       window_start = CASE WHEN w.window_start <= now() - (SELECT length FROM window_length)
                           THEN now() ELSE w.window_start END,
       writes = CASE WHEN w.window_start <= now() - (SELECT length FROM window_length)
                     THEN 1 ELSE w.writes + 1 END
     RETURNING w.writes,
       EXTRACT(EPOCH FROM w.window_start + (SELECT length FROM window_length) - now()) * 1000
         AS reset_ms`,
    [input.subject, input.windowMs],
  );
  if (!row) throw new Error(`counting a write of ${input.subject} returned no row`);
  return { writes: Number(row.writes), resetMs: Math.max(1, Number(row.reset_ms)) };
}
