import path from 'node:path';
import { DEV_JWT_SECRET, loadConfig } from '../config';
import { createDb } from '../db/connection';
import { migrate } from '../db/migrate';
import { ensureSchedules, schedulesInputOf } from '../lib/schedules';
import { PROJECT_ROOT } from '../tools/stack/temporal-cli';
import {
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningService,
} from '../tools/stack/local-stack';
import { startTemporalServer } from '../tools/stack/temporal-server';
import { parseCli } from './shared/cli';
import { spawnTsEntry, type TsChild } from '../tools/process';

/** USAGE is printed for --help, and on stderr with exit code 2 for any argument: it takes none. */
const USAGE = `usage: npm run dev
Runs holdfast on this machine until Ctrl-C: embedded PostgreSQL (or DATABASE_URL), a Temporal
dev server with its Web UI on 8233 (or TEMPORAL_ADDRESS), migrations, the worker and the API
on PORT (default 3000). Configuration is the environment; see docs/api.md.`;

/** CHILD_START_TIMEOUT_MS bounds the start of the API and the worker (the worker bundles). */
const CHILD_START_TIMEOUT_MS = 180_000;

/**
 * `npm run dev`: the whole stack from one command (ARCHITECTURE.md "The stack"). PostgreSQL is
 * DATABASE_URL or an embedded server with data in `.data/postgres` (port EMBEDDED_PG_PORT,
 * default 54329); Temporal is TEMPORAL_ADDRESS or a dev server on 7233 with its Web UI on
 * 8233 and state in `.data/temporal.db` (with TEMPORAL_PERSISTENCE=postgres: the full server on
 * that PostgreSQL, no Web UI). Then it migrates, runs the worker and the API (PORT, default
 * 3000) as two processes and creates the Temporal Schedules (lib/schedules.ts). All of it runs
 * until Ctrl-C, which stops everything it started; when either process dies, the rest is
 * stopped too.
 */
async function main(): Promise<void> {
  parseCli(USAGE, {});
  const log = (line: string) => console.log(`[dev] ${line}`);
  const started: RunningService[] = [];
  const dataDir = path.join(PROJECT_ROOT, '.data');
  if (!process.env.DATABASE_URL) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    log(`starting embedded PostgreSQL on 127.0.0.1:${port} (data in .data/postgres)`);
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'postgres'),
      port,
      database: 'holdfast',
      persistent: true,
    });
    started.push(pg);
    process.env.DATABASE_URL = pg.url;
  }
  if (!process.env.TEMPORAL_ADDRESS) {
    const temporal = await startLocalTemporal(dataDir, log);
    started.push(temporal);
    process.env.TEMPORAL_ADDRESS = temporal.url;
  }
  // This pool only migrates, which may take longer than READ_STATEMENT_TIMEOUT allows a read.
  const db = createDb({ ...loadConfig(), readStatementTimeoutMs: 0 }, 'npm run dev');
  const applied = await migrate(db.sequelize);
  await db.sequelize.close();
  log(applied.length ? `migrated: ${applied.join(', ')}` : 'database schema is current');
  const env = { ...developmentSecretEnv(log), ...DEVELOPMENT_WEBHOOK_ENV };
  const children = await startApiAndWorker(started, env);
  await ensureDevSchedules(children, started, log);
  const { port } = loadConfig();
  log(`holdfast is up: http://127.0.0.1:${port}/readyz, API docs at http://127.0.0.1:${port}/docs`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    for (const child of children) await child.stop();
    for (const service of started.reverse()) await service.stop();
    process.exit(0);
  };
  const stopOrExit = () =>
    stop().catch((err) => {
      console.error(err);
      process.exit(1);
    });
  process.once('SIGINT', () => void stopOrExit());
  process.once('SIGTERM', () => void stopOrExit());
  for (const child of children) {
    void child.whenExited().then((how) => {
      if (stopping) return;
      log(`${child.name} exited (${how}); stopping the stack`);
      void stopOrExit();
    });
  }
}

/**
 * startApiAndWorker runs the worker (`npm run start:worker`) and the API (`npm run start:api`)
 * as two processes, the shape of production and of `npm run bench`: on two cores the worker's
 * workflow threads and the API's event loop no longer share one process (issue 7). Their log
 * lines are printed as they come. Newest first is the order to stop them: API, then worker.
 * @throws Error with a child's output when it does not start (the services started are
 * stopped first). `env` is added to both (JWT_SECRET, the webhook URL rule).
 */
async function startApiAndWorker(
  started: RunningService[],
  env: Record<string, string>,
): Promise<TsChild[]> {
  const echo = (line: string) => console.log(line);
  try {
    const worker = await spawnTsEntry({
      name: 'worker',
      entry: path.join(PROJECT_ROOT, 'worker/index.ts'),
      env,
      ready: 'worker running',
      readyTimeoutMs: CHILD_START_TIMEOUT_MS,
      echo,
    });
    const api = await spawnTsEntry({
      name: 'API',
      entry: path.join(PROJECT_ROOT, 'api/server.ts'),
      env,
      ready: 'api listening',
      readyTimeoutMs: CHILD_START_TIMEOUT_MS,
      echo,
    }).catch(async (err: unknown) => {
      await worker.stop();
      throw err;
    });
    return [api, worker];
  } catch (err) {
    for (const service of started.reverse()) await service.stop();
    throw err;
  }
}

/**
 * DEVELOPMENT_WEBHOOK_ENV lets `npm run dev` register webhook receivers on http://127.0.0.1
 * (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE: false in production); set either to `false` to
 * try the production rule.
 */
const DEVELOPMENT_WEBHOOK_ENV = {
  WEBHOOK_ALLOW_HTTP: process.env.WEBHOOK_ALLOW_HTTP ?? 'true',
  WEBHOOK_ALLOW_PRIVATE: process.env.WEBHOOK_ALLOW_PRIVATE ?? 'true',
};

/**
 * developmentSecretEnv is the JWT_SECRET `npm run dev` gives the API and the worker, which
 * start only with one set explicitly (config.ts SERVICE_ENTRY): the developer's own when
 * JWT_SECRET is set, else the public DEV_JWT_SECRET, which it says it uses (it is also what
 * `npm run token` signs with when JWT_SECRET is unset).
 */
function developmentSecretEnv(log: (line: string) => void): Record<string, string> {
  if (process.env.JWT_SECRET) return {};
  log(
    'JWT_SECRET is unset: using the public development secret, so anyone can sign tokens for ' +
      'this stack. Keep it on this machine; npm run start:api refuses to start without a JWT_SECRET',
  );
  return { JWT_SECRET: DEV_JWT_SECRET };
}

/**
 * ensureDevSchedules creates or updates the Temporal Schedules (lib/schedules.ts: the daily
 * order_failures cleanup and the hourly idempotency_keys retention, on TEMPORAL_TASK_QUEUE),
 * once the worker that runs them is up.
 * @throws the Temporal client's error, after stopping the children and the services started.
 */
async function ensureDevSchedules(
  children: TsChild[],
  started: RunningService[],
  log: (line: string) => void,
): Promise<void> {
  const config = loadConfig();
  try {
    await ensureSchedules(schedulesInputOf(config, log));
  } catch (err) {
    for (const child of children) await child.stop();
    for (const service of started.reverse()) await service.stop();
    throw err;
  }
}

/**
 * startLocalTemporal starts the Temporal server of TEMPORAL_PERSISTENCE on 127.0.0.1:7233: the
 * dev server (`sqlite`, Web UI on 8233, state in `.data/temporal.db`) or the full server on
 * DATABASE_URL's PostgreSQL (`postgres`, TEMPORAL_HISTORY_SHARDS shards, no Web UI).
 */
async function startLocalTemporal(
  dataDir: string,
  log: (line: string) => void,
): Promise<RunningService> {
  const { temporalPersistence, temporalHistoryShards } = loadConfig();
  if (temporalPersistence === 'postgres') {
    log(
      `starting the full Temporal server on 127.0.0.1:7233 on PostgreSQL, ` +
        `${temporalHistoryShards} history shards (no Web UI in this mode)`,
    );
    return startTemporalServer({
      postgresUrl: process.env.DATABASE_URL!,
      port: 7233,
      historyShards: temporalHistoryShards,
      dataDir: path.join(dataDir, 'temporal-server'),
      log,
    });
  }
  log('starting the Temporal dev server on 127.0.0.1:7233, Web UI on http://127.0.0.1:8233');
  return startTemporalDevServer({
    port: 7233,
    uiPort: 8233,
    dbFilename: path.join(dataDir, 'temporal.db'),
    log,
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
