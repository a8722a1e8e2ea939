import type { Config } from '../config';
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import {
  ORDER_FAILURES_CLEANUP_SCHEDULE_ID,
  ORDER_FAILURES_DELETE_BATCH_SIZE,
  type OrderFailuresCleanupInput,
} from '../domain/order-failures';
import { orderFailuresCleanupWorkflow } from '../workflows/order-failures';

/*
 * holdfast's Temporal Schedules: recurring work driven by Temporal, not by cron jobs (as
 * SPEC.md wants of every timer), visible and pausable in the Web UI. Today one: the daily retention of the failed-attempt audit
 * (SPEC.md §8 "Retention"). `npm run temporal:setup`, `npm run dev` and the test setup create
 * them, idempotently.
 */

/** ORDER_FAILURES_CLEANUP_SPEC fires the cleanup once a day at 03:00 UTC. */
export const ORDER_FAILURES_CLEANUP_SPEC: ScheduleSpec = {
  calendars: [{ hour: 3, minute: 0, comment: 'order_failures retention, daily at 03:00 UTC' }],
};

/**
 * ORDER_FAILURES_CLEANUP_POLICIES: a run still going when the next is due makes the next one
 * skip (two cleanups would only delete the same rows); after an outage, at most the last day's
 * missed run is taken (one run deletes everything due).
 */
export const ORDER_FAILURES_CLEANUP_POLICIES = {
  overlap: ScheduleOverlapPolicy.SKIP,
  catchupWindow: '1d',
  pauseOnFailure: false,
} as const;

/**
 * ORDER_FAILURES_CLEANUP_RUN_TIMEOUT bounds one cleanup run, so a run stuck on a lost database
 * ends before the next day's run is due (with SKIP, it would otherwise hold that one back).
 */
export const ORDER_FAILURES_CLEANUP_RUN_TIMEOUT: Duration = '12h';

/** OrderFailuresCleanupScheduleInput is where the cleanup runs and what it keeps. */
export interface OrderFailuresCleanupScheduleInput {
  /** taskQueue is the workers' task queue (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
  /** retentionDays keeps rows this many days (ORDER_FAILURE_RETENTION_DAYS, 1–3650). */
  retentionDays: number;
}

/**
 * orderFailuresCleanupAction is the Schedule's action: start orderFailuresCleanupWorkflow on
 * `taskQueue` with the retention and ORDER_FAILURES_DELETE_BATCH_SIZE. Temporal appends the
 * scheduled time to the workflow ID (`order-failures-cleanup-<time>`).
 */
export function orderFailuresCleanupAction(
  input: OrderFailuresCleanupScheduleInput,
): ScheduleOptionsStartWorkflowAction<typeof orderFailuresCleanupWorkflow> {
  const args: [OrderFailuresCleanupInput] = [
    { olderThanDays: input.retentionDays, batchSize: ORDER_FAILURES_DELETE_BATCH_SIZE },
  ];
  return {
    type: 'startWorkflow',
    workflowType: orderFailuresCleanupWorkflow,
    workflowId: ORDER_FAILURES_CLEANUP_SCHEDULE_ID,
    taskQueue: input.taskQueue,
    args,
    workflowRunTimeout: ORDER_FAILURES_CLEANUP_RUN_TIMEOUT,
  };
}

/**
 * ensureOrderFailuresCleanupSchedule makes the Schedule `order-failures-cleanup` exist with the
 * daily spec and the current action: it creates it, or, when it exists, updates its spec,
 * policies and action (task queue, retention) and keeps its state (an operator's pause stays).
 * Safe to run from several processes at once. Returns which it did.
 * @throws the Temporal client's error when the server refuses (not reachable, no namespace).
 */
export async function ensureOrderFailuresCleanupSchedule(
  client: Client,
  input: OrderFailuresCleanupScheduleInput,
): Promise<'created' | 'updated'> {
  const action = orderFailuresCleanupAction(input);
  const definition = {
    spec: ORDER_FAILURES_CLEANUP_SPEC,
    action,
    policies: ORDER_FAILURES_CLEANUP_POLICIES,
  };
  try {
    await client.schedule.create({ scheduleId: ORDER_FAILURES_CLEANUP_SCHEDULE_ID, ...definition });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule
    .getHandle(ORDER_FAILURES_CLEANUP_SCHEDULE_ID)
    .update((previous) => ({ ...definition, state: previous.state }));
  return 'updated';
}

/** EnsureSchedulesInput says which server and namespace get the Schedules, and their settings. */
export interface EnsureSchedulesInput extends OrderFailuresCleanupScheduleInput {
  /** address is the Temporal frontend, `host:port`. */
  address: string;
  namespace: string;
  /** log receives one line per Schedule; default: none. */
  log?: (line: string) => void;
}

/**
 * schedulesInputOf is the EnsureSchedulesInput of a configuration: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE and ORDER_FAILURE_RETENTION_DAYS.
 */
export function schedulesInputOf(
  config: Pick<
    Config,
    'temporalAddress' | 'temporalNamespace' | 'taskQueue' | 'orderFailureRetentionDays'
  >,
  log?: (line: string) => void,
): EnsureSchedulesInput {
  return {
    address: config.temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    retentionDays: config.orderFailureRetentionDays,
    log,
  };
}

/**
 * ensureSchedules connects to `address` and ensures every holdfast Schedule in `namespace`
 * (today: ensureOrderFailuresCleanupSchedule), then closes the connection.
 * @throws the Temporal client's error when the server cannot be reached or refuses.
 */
export async function ensureSchedules(input: EnsureSchedulesInput): Promise<void> {
  const connection = await Connection.connect({ address: input.address });
  try {
    const client = new Client({ connection, namespace: input.namespace });
    const outcome = await ensureOrderFailuresCleanupSchedule(client, input);
    input.log?.(
      `schedule ${ORDER_FAILURES_CLEANUP_SCHEDULE_ID} ${outcome} (daily 03:00 UTC, ` +
        `retention ${input.retentionDays} days, task queue ${input.taskQueue})`,
    );
  } finally {
    await connection.close();
  }
}
