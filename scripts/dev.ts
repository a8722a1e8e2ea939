import path from 'node:path';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { migrate } from '../db/migrate';
import { startApi } from '../api/server';
import { createWorker, workerInputFromConfig } from '../worker/create';
import { installTemporalRuntime } from '../worker/logging';
import { createLogger } from '../lib/logger';
import { PROJECT_ROOT } from '../lib/temporal-cli';
import {
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningService,
} from '../lib/local-stack';
import { startTemporalServer } from '../lib/temporal-server';

/**
 * `npm run dev`: the whole stack from one command (ARCHITECTURE.md "The stack"). PostgreSQL is
 * DATABASE_URL or an embedded server with data in `.data/postgres` (port EMBEDDED_PG_PORT,
 * default 54329); Temporal is TEMPORAL_ADDRESS or a dev server on 7233 with its Web UI on
 * 8233 and state in `.data/temporal.db` (with TEMPORAL_PERSISTENCE=postgres: the full server on
 * that PostgreSQL, no Web UI). Then it migrates and runs the worker and the API
 * (PORT, default 3000) until Ctrl-C, which stops everything it started.
 */
async function main(): Promise<void> {
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
  const config = loadConfig();
  installTemporalRuntime(createLogger({ level: config.logLevel, name: 'holdfast-worker' }));
  const db = createDb(config, 'npm run dev');
  const applied = await migrate(db.sequelize);
  log(applied.length ? `migrated: ${applied.join(', ')}` : 'database schema is current');
  const { worker, connection } = await createWorker(workerInputFromConfig(config, db));
  const workerDone = worker.run();
  const api = await startApi(config);
  log(
    `holdfast is up: http://127.0.0.1:${config.port}/readyz, API docs at http://127.0.0.1:${config.port}/docs`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    await api.stop();
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
    await connection.close();
    await db.sequelize.close();
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
