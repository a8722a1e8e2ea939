import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_JWT_SECRET } from './actors';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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
 * WorkerProcess runs `worker/index.ts` (the production entry) as a child process, so a test
 * can SIGKILL it mid-flight and start it again.
 */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  restarts = 0;

  constructor(private readonly options: WorkerProcessOptions) {}

  /** start spawns the worker and resolves once it logs that it runs (at most 60 s). */
  async start(): Promise<void> {
    // One process, node with tsx's loader: the `tsx` launcher would run the worker as its own
    // child, and a SIGKILL to the launcher would leave the real worker running.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'worker', 'index.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
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
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker did not start within 60 s: ${output}`)),
        60_000,
      );
      child.stdout!.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        if (output.includes('worker running')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker exited with ${code} before it ran: ${output}`));
      });
    });
    child.removeAllListeners('exit');
  }

  /** pid is the worker process's ID while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** kill sends SIGKILL (no graceful shutdown: in-flight activities are lost mid-way). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** restart kills the worker with SIGKILL and starts a fresh one. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
    this.restarts += 1;
  }

  /** stop shuts the worker down gracefully (SIGTERM), or kills it after 15 s. */
  async stop(): Promise<void> {
    await stopChild(this.child);
  }
}

/** STOP_GRACE_MS is how long stopChild waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 15_000;

/**
 * stopChild sends a child process SIGTERM and, after STOP_GRACE_MS, SIGKILL; resolves once it
 * has exited (at once when there is none or it already exited).
 */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
