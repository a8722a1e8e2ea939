import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { createLogger } from '../lib/logger';
import { createWorker } from './create';

/**
 * Worker entry (`npm run start:worker`): runs holdfast's workflows and activities against the
 * configured Temporal (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL) until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('Invalid configuration:\n  DATABASE_URL: required by the worker');
  const logger = createLogger({ level: config.logLevel, name: 'holdfast-worker' });
  const db = createDb({
    databaseUrl: config.databaseUrl,
    poolMax: config.dbPoolMax,
    lockTimeoutMs: config.dbLockTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
  });
  const { worker, connection } = await createWorker({
    db,
    temporalAddress: config.temporalAddress,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    maxConcurrentActivities: config.workerMaxConcurrentActivities,
  });
  logger.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker running');
  await worker.run();
  await connection.close();
  await db.sequelize.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
