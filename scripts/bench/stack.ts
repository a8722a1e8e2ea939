import { appendFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type Db } from '../../db/connection';
import { migrate } from '../../db/migrate';
import {
  freePort,
  startEmbeddedPostgres,
  startTemporalDevServer,
} from '../../tools/stack/local-stack';
import { startTemporalServer } from '../../tools/stack/temporal-server';
import type { Persistence } from './options';
import { sleep, spawnTsEntry, StopSteps, type TsChild } from '../../tools/process';
import { findPidByCmdline } from './proc-cpu';

/** BENCH_JWT_SECRET signs every bench token; the bench API process runs with it. */
export const BENCH_JWT_SECRET = 'holdfast-bench-secret-0123456789abcdef';

/** BENCH_TASK_QUEUE is the holdfast task queue of the bench stack. */
export const BENCH_TASK_QUEUE = 'holdfast-bench';

/** STARTUP_TIMEOUT_MS bounds the start of each child process (the worker bundles twice). */
const STARTUP_TIMEOUT_MS = 180_000;

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** TemporalUnderTest is the Temporal server of one persistence mode: address and process. */
export interface TemporalUnderTest {
  persistence: Persistence;
  address: string;
  /** pid is the server's process, whose CPU the bench reads. */
  pid: number;
  /**
   * metricsUrl is the server's Prometheus endpoint, scraped around each run for its request
   * counts (temporal-metrics.ts); undefined when the mode serves none.
   */
  metricsUrl?: string;
  stop(): Promise<void>;
}

/**
 * startTemporalFor starts a Temporal server with `persistence` under `dir`: `sqlite` is the
 * file-backed dev server of `npm run dev` (WAL pragmas, tools/stack/local-stack.ts), with its
 * Prometheus metrics on a free port; `postgres` is the full Temporal server on the bench's
 * PostgreSQL with 4 history shards (tools/stack/temporal-server.ts, TEMPORAL_PERSISTENCE=postgres of
 * `npm run dev`), whose config opens no metrics listener (so no metricsUrl).
 * @throws Error for a mode that cannot start.
 */
export async function startTemporalFor(
  persistence: Persistence,
  input: { dir: string; postgresUrl: string },
): Promise<TemporalUnderTest> {
  switch (persistence) {
    case 'sqlite': {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const server = await startTemporalDevServer({
        port,
        metricsPort,
        dbFilename: path.join(input.dir, 'temporal.db'),
      });
      const pid = await findPidByCmdline(['start-dev', String(port)]);
      if (pid === undefined) {
        await server.stop();
        throw new Error(`the Temporal dev server on port ${port} has no process in /proc`);
      }
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      return { persistence, address: server.url, pid, metricsUrl, stop: server.stop };
    }
    case 'postgres': {
      // The production shape on one machine: the full server, 4 history shards, its
      // persistence on the same PostgreSQL as holdfast (whose CPU column then includes it).
      const server = await startTemporalServer({
        postgresUrl: input.postgresUrl,
        port: await freePort(),
        historyShards: 4,
        dataDir: path.join(input.dir, 'temporal-server'),
      });
      return { persistence, address: server.url, pid: server.pid, stop: server.stop };
    }
  }
}

/** BenchStack is one throwaway stack: URLs, the bench's own pool, and the pid of each role. */
export interface BenchStack {
  persistence: Persistence;
  apiUrl: string;
  databaseUrl: string;
  temporalAddress: string;
  /** temporalMetricsUrl is the Temporal server's Prometheus endpoint, when it serves one. */
  temporalMetricsUrl: string | undefined;
  /** db is the bench's own small pool, for setup and the final checks. */
  db: Db;
  /** rolePids maps each measured role to the root of its process tree. */
  rolePids: { api: number; worker: number; temporal: number; postgres: number };
  children: TsChild[];
  /**
   * slowWorkflowTasks counts the worker's workflow tasks that took over 5 s so far (the SDK
   * logs each as SLOW_WORKFLOW_TASK_MARK): a gate's task waits that long when it queues behind
   * replays or placements, and a task past the 10 s workflow task timeout is retried.
   */
  slowWorkflowTasks: () => number;
}

/**
 * SLOW_WORKFLOW_TASK_MARK is the code of the SDK core's warning for a workflow task that took
 * longer than TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS (default 5 s).
 */
const SLOW_WORKFLOW_TASK_MARK = '[TMPRL1104]';

/** BENCH_ORDERS_SQL creates the baseline route's table (bench only, not a migration). */
const BENCH_ORDERS_SQL = `CREATE TABLE IF NOT EXISTS bench_orders (
  id uuid PRIMARY KEY,
  product_id uuid NOT NULL REFERENCES products(id),
  customer_id uuid NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  created_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * startBenchStack starts, on free ports under a fresh temp dir: an embedded PostgreSQL
 * (migrated, plus `bench_orders`), the Temporal server of `persistence`, the bench worker and
 * the bench API as separate processes. Every stop step is registered on `cleanup` as soon as
 * its part runs, so an interrupted start is cleaned up too.
 */
export async function startBenchStack(
  persistence: Persistence,
  cleanup: StopSteps,
  log: (line: string) => void,
): Promise<BenchStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holdfast-bench-'));
  cleanup.add('temp dir', () => rm(dir, { recursive: true, force: true }));
  // As root, the embedded server runs as the `postgres` system user: let it into the dir.
  await chmod(dir, 0o755);
  const dataDir = path.join(dir, 'pg');
  const pg = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    database: 'holdfast',
    persistent: false,
  });
  const postmasterPid = Number(
    (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
  );
  // After Ctrl-C the terminal's SIGINT may have stopped the postmaster already, and stop()
  // would wait for an exit that has happened; the temp dir's removal deletes its data then.
  cleanup.add('postgres', async () => {
    if (isAlive(postmasterPid)) await pg.stop();
  });
  log(`postgres ${pg.url} (postmaster ${postmasterPid})`);
  const temporal = await startTemporalFor(persistence, { dir, postgresUrl: pg.url });
  cleanup.add('temporal', () => temporal.stop());
  log(`temporal (${persistence}) ${temporal.address} (pid ${temporal.pid})`);
  const db = createDb({
    databaseUrl: pg.url,
    dbPoolMax: 4,
    dbLockTimeoutMs: 5_000,
    dbStatementTimeoutMs: 60_000,
  });
  cleanup.add('bench pool', () => db.sequelize.close());
  await migrate(db.sequelize);
  await db.sequelize.query(BENCH_ORDERS_SQL);
  const apiPort = await freePort();
  const env = childEnv({ databaseUrl: pg.url, temporalAddress: temporal.address, apiPort });
  const { worker, api, slowWorkflowTasks } = await spawnChildren(env);
  cleanup.add('worker', () => worker.stop());
  cleanup.add('api', () => api.stop());
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitReady(apiUrl, 60_000);
  log(`api ${apiUrl} (pid ${api.pid}), worker pid ${worker.pid}`);
  return {
    persistence,
    apiUrl,
    databaseUrl: pg.url,
    temporalAddress: temporal.address,
    temporalMetricsUrl: temporal.metricsUrl,
    db,
    rolePids: { api: api.pid, worker: worker.pid, temporal: temporal.pid, postgres: postmasterPid },
    children: [api, worker],
    slowWorkflowTasks,
  };
}

/**
 * spawnChildren starts the bench worker and the bench API with `env`, each logged to
 * BENCH_LOG_DIR when set, and counts the worker's slow workflow tasks.
 */
async function spawnChildren(env: Record<string, string>) {
  const workerLog = logTo('worker');
  let slowTasks = 0;
  // BENCH_CPU_PROF_DIR=<dir> writes a V8 CPU profile of the API and the worker into <dir>.
  const common = {
    env,
    readyTimeoutMs: STARTUP_TIMEOUT_MS,
    cpuProfileDir: process.env.BENCH_CPU_PROF_DIR,
  };
  const [worker, api] = await Promise.all([
    spawnTsEntry({
      ...common,
      name: 'bench worker',
      entry: path.join(HERE, 'worker.ts'),
      ready: 'bench worker running',
      echo: (line) => {
        workerLog?.(line);
        if (line.includes(SLOW_WORKFLOW_TASK_MARK)) slowTasks += 1;
      },
    }),
    spawnTsEntry({
      ...common,
      name: 'bench API',
      entry: path.join(HERE, 'api-server.ts'),
      ready: 'bench api listening',
      echo: logTo('api'),
    }),
  ]);
  return { worker, api, slowWorkflowTasks: () => slowTasks };
}

/**
 * childEnv is the environment of the API and worker processes: the production defaults of
 * config.ts (pool of 10, 20 activity slots) except metrics ports off, warn-level logs, the
 * bench secret, a payment TTL of 1 h so no order expires (and releases stock) mid-bench, and
 * an order gate (SPEC.md §8) that lets every submission through its throttle and backoff: the
 * bench's 64 customers send far more than the default 3 submissions a minute each, and
 * flash-sale's ~90 % refused with 409 insufficient_stock would back their customers off for
 * up to 60 s (base 1 s × 2^n). With 100000 a minute and a 1 ms backoff, the orders scenarios
 * measure placement through the gate, not its 429s (the backoff rule compares times, so it
 * ends after 1 ms whenever the gate's timer fires). The write and holding limits (SPEC.md §10)
 * are lifted the same way: the bench measures writes, not their 429s. The duplicate rule keeps
 * its default window (orders-duplicates measures it; the other scenarios send
 * Idempotency-Keys, to which it does not apply). Webhook URLs may be plain http on a loopback
 * address: orders-spread-webhook's endpoint points at the bench's own receiver on 127.0.0.1
 * (webhook.ts).
 */
function childEnv(input: {
  databaseUrl: string;
  temporalAddress: string;
  apiPort: number;
}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: input.databaseUrl,
    TEMPORAL_ADDRESS: input.temporalAddress,
    TEMPORAL_TASK_QUEUE: BENCH_TASK_QUEUE,
    JWT_SECRET: BENCH_JWT_SECRET,
    LOG_LEVEL: 'warn',
    PORT: String(input.apiPort),
    WORKER_METRICS_PORT: '0',
    TEMPORAL_SDK_METRICS_PORT: '0',
    ORDER_PAYMENT_TTL: '1h',
    ORDER_SUBMISSIONS_PER_MINUTE: '100000',
    WRITES_PER_MINUTE: '1000000',
    BOOKING_HELD_UNITS_MAX: '1000000',
    ORDER_BACKOFF_BASE: '1ms',
    ORDER_BACKOFF_MAX: '1ms',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
  };
}

/**
 * logTo appends a child's output lines, time-stamped, to BENCH_LOG_DIR/<role>.log when that is
 * set (the children log at warn: slow workflow tasks, refusals under load, errors).
 */
function logTo(role: string): ((line: string) => void) | undefined {
  const dir = process.env.BENCH_LOG_DIR;
  if (!dir) return undefined;
  const file = path.join(dir, `${role}.log`);
  return (line) => appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
}

/** waitReady polls GET /readyz until it answers 200. @throws Error after `timeoutMs`. */
async function waitReady(apiUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await sleep(250);
  }
  throw new Error(`the bench API at ${apiUrl} is not ready after ${timeoutMs} ms: ${last}`);
}

/** isAlive tells whether a process with `pid` exists (a zombie not yet reaped counts). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
