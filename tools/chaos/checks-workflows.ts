import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { isErrorCode } from '../../domain/errors';
import { sleep } from '../process';
import type { Anomalies } from './model';

/** RECHECK_ROUNDS_MAX bounds how often a suspect workflow is looked at again, 2 s apart. */
const RECHECK_ROUNDS_MAX = 8;

/** LIST_MAX bounds the workflows listed per status (a chaos run starts a few thousand at most). */
const LIST_MAX = 20_000;

/**
 * AWAITING_PERSON maps the workflow IDs whose open runs may wait for a person, with no timer,
 * to the row status that says so: a paid order awaits fulfilment or a cancel, a confirmed
 * booking its traveller (and its completion timer), a pending request a decision.
 */
const AWAITING_PERSON: { pattern: RegExp; sql: string; statuses: string[] }[] = [
  {
    pattern: /^order-([0-9a-f-]{36})$/,
    sql: 'SELECT status FROM orders WHERE id = $1',
    statuses: ['paid'],
  },
  {
    pattern: /^booking-([0-9a-f-]{36})$/,
    sql: 'SELECT status FROM bookings WHERE id = $1',
    statuses: ['confirmed'],
  },
  {
    pattern: /^payment-request-([0-9a-f-]{36})-approval$/,
    sql: 'SELECT status FROM payment_requests WHERE id = $1',
    statuses: ['pending_approval'],
  },
];

/**
 * checkWorkflows finds stuck and failing workflows after the run has settled: every open
 * workflow must have a pending timer (a TimerStarted without its TimerFired or TimerCanceled)
 * or await a person (AWAITING_PERSON), and none may have a workflow task or an activity failing
 * in retries; a suspect is looked at again up to RECHECK_ROUNDS_MAX times before it counts.
 * Closed runs must have ended normally: terminated, timed out or cancelled is an anomaly, and so
 * is a run failed with anything but a domain refusal (an `unavailable` failure burns its ID).
 * Returns how many open workflows it checked.
 */
export async function checkWorkflows(
  input: { temporalAddress: string; db: Db },
  anomalies: Anomalies,
): Promise<number> {
  const connection = await Connection.connect({ address: input.temporalAddress });
  const client = new Client({ connection });
  try {
    const open = await listIds(client, 'ExecutionStatus = "Running"');
    let suspects = await findSuspects(client, input.db, open);
    for (let round = 0; round < RECHECK_ROUNDS_MAX && suspects.size > 0; round += 1) {
      await sleep(2_000);
      suspects = await findSuspects(client, input.db, [...suspects.keys()]);
    }
    for (const [workflowId, reason] of suspects)
      anomalies.add('stuck or failing workflow', `${workflowId}: ${reason}`);
    await checkClosedRuns(client, anomalies);
    return open.length;
  } finally {
    await connection.close();
  }
}

async function listIds(client: Client, listQuery: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const info of client.workflow.list({ query: listQuery })) {
    ids.push(info.workflowId);
    if (ids.length >= LIST_MAX) break;
  }
  return ids;
}

/** findSuspects returns each of `workflowIds` that looks stuck, with the reason. */
async function findSuspects(
  client: Client,
  db: Db,
  workflowIds: string[],
): Promise<Map<string, string>> {
  const suspects = new Map<string, string>();
  for (const workflowId of workflowIds) {
    const reason = await whyStuck(client.workflow.getHandle(workflowId), db);
    if (reason !== undefined) suspects.set(workflowId, reason);
  }
  return suspects;
}

/** whyStuck says why an open workflow is stuck or failing, or undefined when it is not. */
async function whyStuck(handle: WorkflowHandle, db: Db): Promise<string | undefined> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return undefined;
  const task = description.raw.pendingWorkflowTask;
  if (task && (task.attempt ?? 1) > 1) return `workflow task failing (attempt ${task.attempt})`;
  const failing = (description.raw.pendingActivities ?? []).find((a) => (a.attempt ?? 1) > 1);
  if (failing)
    return `activity ${failing.activityType?.name} retrying (attempt ${failing.attempt}): ${failing.lastFailure?.message}`;
  if (task || (description.raw.pendingActivities ?? []).length > 0) return undefined;
  if (hasPendingTimer(await handle.fetchHistory())) return undefined;
  if (await awaitsPerson(db, handle.workflowId)) return undefined;
  return `${description.type}: no pending timer, nothing running, and nobody to act`;
}

/** hasPendingTimer tells whether a history has a TimerStarted not yet fired or cancelled. */
function hasPendingTimer(history: History): boolean {
  const open = new Set<string>();
  for (const event of history.events ?? []) {
    if (event.timerStartedEventAttributes) open.add(String(event.eventId));
    const closed =
      event.timerFiredEventAttributes?.startedEventId ??
      event.timerCanceledEventAttributes?.startedEventId;
    if (closed !== undefined && closed !== null) open.delete(String(closed));
  }
  return open.size > 0;
}

async function awaitsPerson(db: Db, workflowId: string): Promise<boolean> {
  for (const { pattern, sql, statuses } of AWAITING_PERSON) {
    const id = pattern.exec(workflowId)?.[1];
    if (id === undefined) continue;
    const [row] = await query<{ status: string }>(db, sql, [id]);
    return row !== undefined && statuses.includes(row.status);
  }
  return false;
}

/** checkClosedRuns flags runs that ended other than completed, continued, or refused. */
async function checkClosedRuns(client: Client, anomalies: Anomalies): Promise<void> {
  const abnormal = await listIds(
    client,
    'ExecutionStatus = "Terminated" OR ExecutionStatus = "TimedOut" OR ExecutionStatus = "Canceled"',
  );
  for (const workflowId of abnormal)
    anomalies.add(
      'stuck or failing workflow',
      `${workflowId} was terminated, timed out or cancelled`,
    );
  for (const workflowId of await listIds(client, 'ExecutionStatus = "Failed"')) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const failed = history.events?.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
    const type = failed?.applicationFailureInfo?.type;
    if (!isErrorCode(type) || type === 'unavailable' || type === 'internal')
      anomalies.add(
        'stuck or failing workflow',
        `${workflowId} failed with ${type ?? 'no refusal'}: ${failed?.message ?? ''}`,
      );
  }
}
