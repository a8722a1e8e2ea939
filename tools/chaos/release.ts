import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { sleep } from '../process';
import type { FaultKind } from './fault-log';
import type { Anomalies } from './model';

/**
 * RELEASE_WINDOW_MS is how soon after the dependencies' return every reservation, hold and
 * booking past its time must be released (SPEC.md §10: within 60 s).
 */
export const RELEASE_WINDOW_MS = 60_000;

/** QUERY_ATTEMPTS_MAX bounds the tries of the check's query (its pool may hold dead links). */
const QUERY_ATTEMPTS_MAX = 5;

/** OVERDUE_ROWS_MAX bounds the overdue items named one by one. */
const OVERDUE_ROWS_MAX = 20;

/**
 * OVERDUE_SQL lists what is still held more than $1 ms past its time: unpaid orders past
 * `expires_at`, reserved bookings past theirs, pending ledger holds past `timeout_at`, and
 * undecided payment requests past `expires_at`, oldest first, with how many there are in all.
 */
const OVERDUE_SQL = `
  WITH overdue AS (
    SELECT 'order ' || id AS item, status, expires_at AS due_at FROM orders
     WHERE status = 'pending_payment' AND expires_at < now() - ($1 || ' milliseconds')::interval
    UNION ALL
    SELECT 'booking ' || id, status, expires_at FROM bookings
     WHERE status = 'reserved' AND expires_at < now() - ($1 || ' milliseconds')::interval
    UNION ALL
    SELECT 'hold ' || id, status, timeout_at FROM ledger_transfers
     WHERE status = 'pending' AND timeout_at < now() - ($1 || ' milliseconds')::interval
    UNION ALL
    SELECT 'payment request ' || id, status, expires_at FROM payment_requests
     WHERE status = 'pending_approval' AND expires_at < now() - ($1 || ' milliseconds')::interval
  )
  SELECT item, status, due_at, count(*) OVER () AS total FROM overdue
  ORDER BY due_at LIMIT ${OVERDUE_ROWS_MAX}`;

/** ReleaseCheck is one look for overdue items, RELEASE_WINDOW_MS after a fault ended. */
export interface ReleaseCheck {
  /** after is the fault whose end started the window. */
  after: FaultKind;
  /** checkedAfterMs is how long after that end the check ran. */
  checkedAfterMs: number;
  /** overdue counts the items still held more than RELEASE_WINDOW_MS past their time. */
  overdue: number;
}

/**
 * checkReleased waits until RELEASE_WINDOW_MS after `recoveredAtMs` (epoch ms, when the fault
 * `after` ended), then finds every reservation, hold and booking held more than
 * RELEASE_WINDOW_MS past its time: whatever fell due during the outage had its window from the
 * recovery on, whatever fell due later its own 60 s. Each is an anomaly.
 * @throws Error when the database does not answer the check QUERY_ATTEMPTS_MAX times.
 */
export async function checkReleased(input: {
  db: Db;
  after: FaultKind;
  recoveredAtMs: number;
  anomalies: Anomalies;
}): Promise<ReleaseCheck> {
  await sleep(Math.max(0, input.recoveredAtMs + RELEASE_WINDOW_MS - Date.now()));
  const checkedAfterMs = Date.now() - input.recoveredAtMs;
  const rows = await overdueRows(input.db);
  const overdue = rows.length === 0 ? 0 : Number(rows[0]!.total);
  for (const row of rows)
    input.anomalies.add(
      'past its time, not released within 60 s',
      `${row.item} is still ${row.status} ${Math.round(checkedAfterMs / 1000)} s after ${input.after} ended, due at ${row.due_at.toISOString()}`,
    );
  if (overdue > rows.length)
    input.anomalies.add(
      'past its time, not released within 60 s',
      `… and ${overdue - rows.length} more after ${input.after}`,
    );
  return { after: input.after, checkedAfterMs, overdue };
}

type OverdueRow = { item: string; status: string; due_at: Date; total: string };

async function overdueRows(db: Db): Promise<OverdueRow[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await query<OverdueRow>(db, OVERDUE_SQL, [String(RELEASE_WINDOW_MS)]);
    } catch (err) {
      if (attempt >= QUERY_ATTEMPTS_MAX) throw err;
      await sleep(2_000);
    }
  }
}
