import path from 'node:path';
import { TEST_JWT_SECRET } from './actors';
import { spawnTsEntry, type TsChild } from './process';
import { PROJECT_ROOT } from './stack/temporal-cli';

/** WORKER_START_TIMEOUT_MS bounds a worker's start (it bundles the workflows first). */
const WORKER_START_TIMEOUT_MS = 60_000;

/** WorkerProcessOptions say where a separate worker process connects and what it runs. */
export interface WorkerProcessOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  workflowBundlePath: string;
  /** metricsPort serves the worker's /metrics; 0 (the default) disables it. */
  metricsPort?: number;
  /** env adds or overrides environment variables (DB_LOCK_TIMEOUT …). */
  env?: Record<string, string>;
}

/**
 * WorkerProcess runs `worker/index.ts` (the production entry) as a child process
 * (tools/process.ts spawnTsEntry), so a test or a tool can SIGKILL it mid-flight and start it
 * again.
 */
export class WorkerProcess {
  private child: TsChild | undefined;
  restarts = 0;

  constructor(private readonly options: WorkerProcessOptions) {}

  /** start spawns the worker and resolves once it logs that it runs (at most 60 s). */
  async start(): Promise<void> {
    this.child = await spawnTsEntry({
      name: 'worker',
      entry: path.join(PROJECT_ROOT, 'worker', 'index.ts'),
      env: {
        DATABASE_URL: this.options.databaseUrl,
        TEMPORAL_ADDRESS: this.options.temporalAddress,
        TEMPORAL_TASK_QUEUE: this.options.taskQueue,
        WORKFLOW_BUNDLE_PATH: this.options.workflowBundlePath,
        WORKER_METRICS_PORT: String(this.options.metricsPort ?? 0),
        TEMPORAL_SDK_METRICS_PORT: '0',
        // The production entry starts only with an explicit secret (config.ts SERVICE_ENTRY).
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'info',
        DB_POOL_MAX: '20',
        ...this.options.env,
      },
      ready: 'worker running',
      readyTimeoutMs: WORKER_START_TIMEOUT_MS,
    });
  }

  /** pid is the worker process's ID while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** kill sends SIGKILL (no graceful shutdown: in-flight activities are lost mid-way). */
  async kill(): Promise<void> {
    await this.child?.kill();
  }

  /** restart kills the worker with SIGKILL and starts a fresh one. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
    this.restarts += 1;
  }

  /** stop shuts the worker down gracefully (SIGTERM), or kills it after 15 s. */
  async stop(): Promise<void> {
    await this.child?.stop();
  }
}
