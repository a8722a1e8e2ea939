import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
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
}

/**
 * createWorker connects to Temporal and builds a Worker that runs every holdfast workflow and
 * activity on `taskQueue`. The caller runs it with `worker.run()` and stops it with
 * `worker.shutdown()`; the returned `connection` is closed after the worker stops.
 */
export async function createWorker(
  input: CreateWorkerInput,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: input.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: input.namespace,
    taskQueue: input.taskQueue,
    activities: createActivities({ db: input.db }),
    ...(input.workflowBundle
      ? { workflowBundle: input.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: input.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: 40,
    shutdownGraceTime: '10s',
  });
  return { worker, connection };
}

/**
 * workerInputFromConfig is the one mapping from configuration to a worker: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, WORKER_MAX_CONCURRENT_ACTIVITIES and, when set,
 * WORKFLOW_BUNDLE_PATH (a bundle built ahead, so start-up skips bundling).
 */
export function workerInputFromConfig(config: Config, db: Db): CreateWorkerInput {
  return {
    db,
    temporalAddress: config.temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    maxConcurrentActivities: config.workerMaxConcurrentActivities,
    ...(config.workflowBundlePath
      ? { workflowBundle: { codePath: config.workflowBundlePath } }
      : {}),
  };
}
