import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import type { ApiProcess } from './api-process';
import { sleep } from '../process';
import type { Anomalies } from './model';

/** SETTLE_POLL_MS is the pause between two looks at what still waits for a timer. */
const SETTLE_POLL_MS = 500;

/** OVERDUE_GRACE_MS is how late a timer may be before its item counts as overdue. */
const OVERDUE_GRACE_MS = 2_000;

/**
 * PENDING_SQL counts what still waits for a person or a timer with a deadline: unpaid orders,
 * held bookings, undecided or unpaid approvals and open holds. With short TTLs every one of
 * them must end by its timer soon after the load stops.
 */
const PENDING_SQL = `SELECT
  (SELECT count(*) FROM orders WHERE status = 'pending_payment') AS orders,
  (SELECT count(*) FROM bookings WHERE status = 'reserved') AS bookings,
  (SELECT count(*) FROM payment_requests WHERE status IN ('pending_approval', 'approved')) AS requests,
  (SELECT count(*) FROM ledger_transfers WHERE status = 'pending') AS holds`;

/** OVERDUE_SQL lists the items whose timer is later than OVERDUE_GRACE_MS ($1, in ms). */
const OVERDUE_SQL = `
  SELECT 'order ' || id AS item, status, expires_at FROM orders
   WHERE status = 'pending_payment' AND expires_at < now() - ($1 || ' milliseconds')::interval
  UNION ALL
  SELECT 'booking ' || id, status, expires_at FROM bookings
   WHERE status = 'reserved' AND expires_at < now() - ($1 || ' milliseconds')::interval
  UNION ALL
  SELECT 'payment request ' || id, status, expires_at FROM payment_requests
   WHERE status IN ('pending_approval', 'approved') AND expires_at < now() - ($1 || ' milliseconds')::interval
  LIMIT 50`;

/**
 * waitForTimers waits, at most `timeoutMs`, until nothing waits for its expiry timer any more
 * (every unpaid order, held booking and undecided request expired), and returns how long it
 * took. What is still overdue after that is a stuck workflow (an anomaly each).
 */
export async function waitForTimers(
  db: Db,
  timeoutMs: number,
  anomalies: Anomalies,
): Promise<number> {
  const startedMs = Date.now();
  const deadline = startedMs + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await query<Record<string, string>>(db, PENDING_SQL);
    if (Object.values(row!).every((n) => Number(n) === 0)) return Date.now() - startedMs;
    await sleep(SETTLE_POLL_MS);
  }
  const overdue = await query<{ item: string; status: string; expires_at: Date }>(db, OVERDUE_SQL, [
    String(OVERDUE_GRACE_MS),
  ]);
  for (const row of overdue) {
    anomalies.add(
      'stuck or failing workflow',
      `${row.item} is still ${row.status}, due at ${row.expires_at.toISOString()}`,
    );
  }
  return Date.now() - startedMs;
}

/** READY_TIMEOUT_MS bounds the wait for the stack to answer /readyz 200 after the faults. */
const READY_TIMEOUT_MS = 60_000;

/**
 * recoverAndSettle waits until the API's /readyz answers 200 again (every dependency back),
 * runs `beforeTimers`, then waits for every expiry timer (waitForTimers); returns how long it
 * all took (ms).
 * @throws Error when the stack is not ready within READY_TIMEOUT_MS (it did not recover) or the
 *   API process has exited.
 */
export async function recoverAndSettle(input: {
  api: ApiProcess;
  db: Db;
  settleMaxMs: number;
  anomalies: Anomalies;
  /** beforeTimers runs once the stack is ready, before the wait for the timers. */
  beforeTimers?: () => Promise<void>;
}): Promise<number> {
  const startedMs = Date.now();
  let last = '';
  for (;;) {
    if (input.api.exitedAs !== undefined)
      throw new Error(
        `the API process exited (${input.api.exitedAs}) during the run:\n${input.api.outputTail()}`,
      );
    const answer = await fetch(`${input.api.url}/readyz`, { signal: AbortSignal.timeout(3_000) })
      .then(async (res) => `${res.status} ${await res.text()}`)
      .catch((err: Error) => err.message);
    if (answer.startsWith('200')) break;
    last = answer;
    if (Date.now() - startedMs > READY_TIMEOUT_MS)
      throw new Error(`the stack did not recover: /readyz still answers ${last}`);
    await sleep(250);
  }
  await input.beforeTimers?.();
  await waitForTimers(input.db, input.settleMaxMs, input.anomalies);
  return Date.now() - startedMs;
}
