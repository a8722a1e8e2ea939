import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { WebhookDeliveryConfig } from '../activities/webhooks';
import type { Config } from '../config';
import type { Db } from '../db/connection';

/** WORKFLOWS_PATH is the module the worker bundles: workflows/index.ts. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** CreateWorkerInput configures one worker process or in-process worker. */
export interface CreateWorkerInput {
  db: Db;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** maxConcurrentActivities bounds activity slots; keep it at or under the DB pool size × 2. */
  maxConcurrentActivities: number;
  /** workflowBundle is a pre-built bundle (tests bundle once per run); else workflowsPath is bundled. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** tuning overrides the workflow-task defaults of WORKER_TUNING_DEFAULTS. */
  tuning?: Partial<WorkerTuning>;
  /** bookingHeldUnitsMax is BOOKING_HELD_UNITS_MAX, the holding limit placements enforce. */
  bookingHeldUnitsMax: number;
  /** webhooks are the delivery settings of SPEC.md §11 (webhookDeliveryConfigOf). */
  webhooks: WebhookDeliveryConfig;
}

/**
 * WorkerTuning is how a worker takes workflow tasks: execution slots, the most polls open at
 * once and how many of them poll the non-sticky queue, and how many workflows stay cached.
 */
export interface WorkerTuning {
  /** workflowTaskSlotsMax bounds workflow tasks running at once (WORKER_WORKFLOW_TASK_SLOTS). */
  workflowTaskSlotsMax: number;
  /** workflowTaskPollsMax bounds open workflow-task polls (WORKER_WORKFLOW_TASK_POLLS). */
  workflowTaskPollsMax: number;
  /**
   * nonStickyPollRatio is the share of polls on the non-sticky queue, where EVERY new workflow's
   * first task arrives (the SDK default 0.2 left 2 pollers for all new orders).
   */
  nonStickyPollRatio: number;
  /** cachedWorkflowsMax bounds workflows kept in memory between tasks (WORKER_CACHED_WORKFLOWS). */
  cachedWorkflowsMax: number;
}

/** WORKER_TUNING_DEFAULTS are the workflow-task settings a worker runs with unless configured. */
export const WORKER_TUNING_DEFAULTS: WorkerTuning = {
  workflowTaskSlotsMax: 40,
  workflowTaskPollsMax: 10,
  nonStickyPollRatio: 0.2,
  cachedWorkflowsMax: 1000,
};

/**
 * createWorker connects to Temporal and builds a Worker that runs every holdfast workflow and
 * activity on `taskQueue`. The caller runs it with `worker.run()` and stops it with
 * `worker.shutdown()`; the returned `connection` is closed after the worker stops.
 */
export async function createWorker(
  input: CreateWorkerInput,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const tuning = { ...WORKER_TUNING_DEFAULTS, ...input.tuning };
  const connection = await NativeConnection.connect({ address: input.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: input.namespace,
    taskQueue: input.taskQueue,
    activities: createActivities({
      db: input.db,
      temporal: new Client({ connection, namespace: input.namespace }),
      bookingHeldUnitsMax: input.bookingHeldUnitsMax,
      webhooks: input.webhooks,
    }),
    ...(input.workflowBundle
      ? { workflowBundle: input.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: input.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: tuning.workflowTaskSlotsMax,
    maxConcurrentWorkflowTaskPolls: tuning.workflowTaskPollsMax,
    nonStickyToStickyPollRatio: tuning.nonStickyPollRatio,
    maxCachedWorkflows: tuning.cachedWorkflowsMax,
    shutdownGraceTime: '10s',
  });
  return { worker, connection };
}

/**
 * workerInputFromConfig is the one mapping from configuration to a worker: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, WORKER_MAX_CONCURRENT_ACTIVITIES,
 * BOOKING_HELD_UNITS_MAX and, when set, WORKFLOW_BUNDLE_PATH (a bundle built ahead, so
 * start-up skips bundling).
 */
export function workerInputFromConfig(config: Config, db: Db): CreateWorkerInput {
  return {
    db,
    temporalAddress: config.temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    maxConcurrentActivities: config.workerMaxConcurrentActivities,
    tuning: config.workerTuning,
    bookingHeldUnitsMax: config.bookingHeldUnitsMax,
    webhooks: webhookDeliveryConfigOf(config),
    ...(config.workflowBundlePath
      ? { workflowBundle: { codePath: config.workflowBundlePath } }
      : {}),
  };
}

/** webhookDeliveryConfigOf maps WEBHOOK_TIMEOUT, _BACKOFF_*, _RETRY_FOR, … onto the dispatcher's. */
export function webhookDeliveryConfigOf(config: Config): WebhookDeliveryConfig {
  return {
    timeoutMs: config.webhookTimeoutMs,
    backoffBaseMs: config.webhookBackoffBaseMs,
    backoffMaxMs: config.webhookBackoffMaxMs,
    retryForMs: config.webhookRetryForMs,
    failuresToDisable: config.webhookFailuresToDisable,
    allowPrivate: config.webhookAllowPrivate,
  };
}
