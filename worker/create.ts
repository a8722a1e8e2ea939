import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import type { WebhookDeliveryConfig } from '../activities/webhooks';
import type { Config } from '../config';
import type { Db } from '../db/connection';
import { webhookTaskQueueOf } from '../domain/webhook-delivery';

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
 * WEBHOOK_WORKER_TUNING is the dispatchers' worker (one workflow per endpoint, a pass a second):
 * a few slots of its own, so order traffic never delays a delivery's workflow or activity task.
 */
export const WEBHOOK_WORKER_TUNING = {
  workflowTaskSlotsMax: 4,
  workflowTaskPollsMax: 2,
  activitySlotsMax: 4,
  cachedWorkflowsMax: 100,
} as const;

/** HoldfastWorker runs holdfast's two workers (see createWorker) as one. */
export interface HoldfastWorker {
  /** run resolves once both workers stopped; a failure of one shuts the other down first. */
  run(): Promise<void>;
  /** shutdown asks both to stop: in-flight tasks get their grace time. */
  shutdown(): void;
}

/**
 * createWorker connects to Temporal and builds the worker of every holdfast workflow and
 * activity on `taskQueue`, and beside it the webhook dispatchers' worker on
 * webhookTaskQueueOf(taskQueue), both from one bundle. The caller runs them with
 * `worker.run()` and stops them with `worker.shutdown()`; it closes `connection` after.
 */
export async function createWorker(
  input: CreateWorkerInput,
): Promise<{ worker: HoldfastWorker; connection: NativeConnection }> {
  const tuning = { ...WORKER_TUNING_DEFAULTS, ...input.tuning };
  const connection = await NativeConnection.connect({ address: input.temporalAddress });
  const workflowBundle =
    input.workflowBundle ??
    (await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      logger: Runtime.instance().logger,
    }));
  const shared = {
    connection,
    namespace: input.namespace,
    workflowBundle,
    activities: createActivities({
      db: input.db,
      temporal: new Client({ connection, namespace: input.namespace }),
      bookingHeldUnitsMax: input.bookingHeldUnitsMax,
      webhooks: input.webhooks,
    }),
    shutdownGraceTime: '10s',
  } satisfies Partial<WorkerOptions>;
  const main = await Worker.create({
    ...shared,
    taskQueue: input.taskQueue,
    maxConcurrentActivityTaskExecutions: input.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: tuning.workflowTaskSlotsMax,
    maxConcurrentWorkflowTaskPolls: tuning.workflowTaskPollsMax,
    nonStickyToStickyPollRatio: tuning.nonStickyPollRatio,
    maxCachedWorkflows: tuning.cachedWorkflowsMax,
  });
  const webhooks = await Worker.create({
    ...shared,
    taskQueue: webhookTaskQueueOf(input.taskQueue),
    maxConcurrentActivityTaskExecutions: WEBHOOK_WORKER_TUNING.activitySlotsMax,
    maxConcurrentWorkflowTaskExecutions: WEBHOOK_WORKER_TUNING.workflowTaskSlotsMax,
    maxConcurrentWorkflowTaskPolls: WEBHOOK_WORKER_TUNING.workflowTaskPollsMax,
    maxCachedWorkflows: WEBHOOK_WORKER_TUNING.cachedWorkflowsMax,
  });
  return { worker: runningTogether([main, webhooks]), connection };
}

/** runningTogether is a HoldfastWorker over `workers`. */
function runningTogether(workers: Worker[]): HoldfastWorker {
  const shutdown = () => {
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    run: async () => {
      const runs = workers.map((w) =>
        w.run().catch((err: unknown) => {
          shutdown();
          throw err;
        }),
      );
      const outcomes = await Promise.allSettled(runs);
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    },
    shutdown,
  };
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
