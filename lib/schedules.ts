import type { Config } from '../config';
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptionsAction,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import {
  ORDER_FAILURES_CLEANUP_SCHEDULE_ID,
  ORDER_FAILURES_DELETE_BATCH_SIZE,
  type OrderFailuresCleanupInput,
} from '../domain/order-failures';
import {
  EVENT_RETENTION_DAYS_DEFAULT,
  isAgeRetentionTable,
  RETENTION_DELETE_BATCH_SIZE,
  RETENTION_TABLES,
  retentionScheduleId,
  type RetentionInput,
  type RetentionTable,
} from '../domain/retention';
import { orderFailuresCleanupWorkflow } from '../workflows/order-failures';
import { retentionWorkflow } from '../workflows/retention';

/*
 * holdfast's Temporal Schedules: recurring work driven by Temporal, not by cron jobs (as
 * SPEC.md wants of every timer), visible and pausable in the Web UI. The daily retention of
 * the failed-attempt audit (SPEC.md §8 "Retention") and one retention Schedule per table of
 * RETENTION_TABLES (SPEC.md §10 "Bounded storage"), all made by ensureSchedule.
 * `npm run temporal:setup`, `npm run dev` and the test setup create them, idempotently.
 */

/**
 * ScheduleDefinition is everything ensureSchedule keeps up to date on one Schedule: its ID,
 * when it fires, the workflow it starts and its overlap/catch-up policies.
 */
export interface ScheduleDefinition {
  scheduleId: string;
  spec: ScheduleSpec;
  action: ScheduleOptionsAction;
  policies: {
    overlap: ScheduleOverlapPolicy;
    catchupWindow: Duration;
    pauseOnFailure: boolean;
  };
}

/**
 * ensureSchedule makes the Schedule `definition.scheduleId` exist as defined: it creates it,
 * or, when it exists, updates its spec, policies and action and keeps its state (an operator's
 * pause stays). Safe to run from several processes at once. Returns which it did.
 * @throws the Temporal client's error when the server refuses (not reachable, no namespace).
 */
export async function ensureSchedule(
  client: Client,
  definition: ScheduleDefinition,
): Promise<'created' | 'updated'> {
  const { scheduleId, ...rest } = definition;
  try {
    await client.schedule.create({ scheduleId, ...rest });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule
    .getHandle(scheduleId)
    .update((previous) => ({ ...rest, state: previous.state }));
  return 'updated';
}

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
 * daily spec and the current action (task queue, retention), as ensureSchedule does: created,
 * or updated with its state kept. Returns which it did.
 * @throws the Temporal client's error when the server refuses (not reachable, no namespace).
 */
export async function ensureOrderFailuresCleanupSchedule(
  client: Client,
  input: OrderFailuresCleanupScheduleInput,
): Promise<'created' | 'updated'> {
  return ensureSchedule(client, {
    scheduleId: ORDER_FAILURES_CLEANUP_SCHEDULE_ID,
    spec: ORDER_FAILURES_CLEANUP_SPEC,
    action: orderFailuresCleanupAction(input),
    policies: ORDER_FAILURES_CLEANUP_POLICIES,
  });
}

/**
 * RETENTION_SPECS say when each table's retention Schedule fires, with the words ensureSchedules
 * logs. idempotency_keys: hourly, so a key is gone at most an hour after IDEMPOTENCY_KEY_TTL.
 * events and webhook_deliveries: daily, 20 and 40 minutes after order-failures-cleanup (03:00).
 */
export const RETENTION_SPECS: Record<RetentionTable, { spec: ScheduleSpec; every: string }> = {
  idempotency_keys: {
    spec: { intervals: [{ every: '1h' }] },
    every: 'hourly',
  },
  events: {
    spec: { calendars: [{ hour: 3, minute: 20, comment: 'events retention, daily at 03:20 UTC' }] },
    every: 'daily 03:20 UTC',
  },
  webhook_deliveries: {
    spec: {
      calendars: [
        { hour: 3, minute: 40, comment: 'webhook_deliveries retention, daily at 03:40 UTC' },
      ],
    },
    every: 'daily 03:40 UTC',
  },
};

/**
 * RETENTION_POLICIES: a firing while the last run still deletes is skipped (two purges would
 * only race for the same rows); after an outage, at most one missed firing is taken (one
 * firing deletes everything due, RETENTION_RUNS_MAX allowing).
 */
export const RETENTION_POLICIES = {
  overlap: ScheduleOverlapPolicy.SKIP,
  catchupWindow: '1h',
  pauseOnFailure: false,
} as const;

/**
 * RETENTION_EXECUTION_TIMEOUT bounds one firing, its continued runs included, so a firing stuck
 * on a lost database ends and later firings (skipped while it runs) start again.
 */
export const RETENTION_EXECUTION_TIMEOUT: Duration = '6h';

/** RetentionScheduleInput is one table's retention Schedule: where it runs and what it keeps. */
export interface RetentionScheduleInput {
  table: RetentionTable;
  /** taskQueue is the workers' task queue (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
  /** olderThanDays keeps AGE_RETENTION_TABLES' rows this many days (EVENT_RETENTION_DAYS). */
  olderThanDays: number;
}

/**
 * retentionAction is the action of a table's retention Schedule: start retentionWorkflow on
 * `taskQueue` with the table, RETENTION_DELETE_BATCH_SIZE and, for AGE_RETENTION_TABLES,
 * `olderThanDays`. Temporal appends the scheduled time to the workflow ID.
 */
export function retentionAction(
  input: RetentionScheduleInput,
): ScheduleOptionsStartWorkflowAction<typeof retentionWorkflow> {
  const { table, taskQueue, olderThanDays } = input;
  const batchSize = RETENTION_DELETE_BATCH_SIZE;
  const args: [RetentionInput] = [
    isAgeRetentionTable(table) ? { table, batchSize, olderThanDays } : { table, batchSize },
  ];
  return {
    type: 'startWorkflow',
    workflowType: retentionWorkflow,
    workflowId: retentionScheduleId(table),
    taskQueue,
    args,
    workflowExecutionTimeout: RETENTION_EXECUTION_TIMEOUT,
  };
}

/**
 * ensureRetentionSchedule makes `table`'s retention Schedule (retentionScheduleId) exist with
 * its RETENTION_SPECS spec and the current action, as ensureSchedule does. Returns which it did.
 * @throws the Temporal client's error when the server refuses.
 */
export async function ensureRetentionSchedule(
  client: Client,
  input: RetentionScheduleInput,
): Promise<'created' | 'updated'> {
  return ensureSchedule(client, {
    scheduleId: retentionScheduleId(input.table),
    spec: RETENTION_SPECS[input.table].spec,
    action: retentionAction(input),
    policies: RETENTION_POLICIES,
  });
}

/** EnsureSchedulesInput says which server and namespace get the Schedules, and their settings. */
export interface EnsureSchedulesInput extends OrderFailuresCleanupScheduleInput {
  /** address is the Temporal frontend, `host:port`. */
  address: string;
  namespace: string;
  /** eventRetentionDays keeps events and deliveries (EVENT_RETENTION_DAYS); default 30. */
  eventRetentionDays?: number;
  /** log receives one line per Schedule; default: none. */
  log?: (line: string) => void;
}

/**
 * schedulesInputOf is the EnsureSchedulesInput of a configuration: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, ORDER_FAILURE_RETENTION_DAYS and EVENT_RETENTION_DAYS.
 */
export function schedulesInputOf(
  config: Pick<
    Config,
    | 'temporalAddress'
    | 'temporalNamespace'
    | 'taskQueue'
    | 'orderFailureRetentionDays'
    | 'eventRetentionDays'
  >,
  log?: (line: string) => void,
): EnsureSchedulesInput {
  return {
    address: config.temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    retentionDays: config.orderFailureRetentionDays,
    eventRetentionDays: config.eventRetentionDays,
    log,
  };
}

/**
 * ensureSchedules connects to `address` and ensures every holdfast Schedule in `namespace`
 * (ensureOrderFailuresCleanupSchedule, and ensureRetentionSchedule for every table of
 * RETENTION_TABLES), then closes the connection.
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
    const olderThanDays = input.eventRetentionDays ?? EVENT_RETENTION_DAYS_DEFAULT;
    for (const table of RETENTION_TABLES) {
      const made = await ensureRetentionSchedule(client, {
        table,
        taskQueue: input.taskQueue,
        olderThanDays,
      });
      const kept = isAgeRetentionTable(table) ? `retention ${olderThanDays} days, ` : '';
      input.log?.(
        `schedule ${retentionScheduleId(table)} ${made} (${RETENTION_SPECS[table].every}, ` +
          `${kept}task queue ${input.taskQueue})`,
      );
    }
  } finally {
    await connection.close();
  }
}
