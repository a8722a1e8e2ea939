import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { createDb } from '../db/connection';
import { createLogger } from '../lib/logger';
import { createApp } from './index';

/** RunningApi is a started HTTP server and how to stop it. */
export interface RunningApi {
  port: number;
  stop(): Promise<void>;
}

/**
 * startApi connects to PostgreSQL and Temporal and serves the Hono app on `config.port`.
 * @throws Error when DATABASE_URL is missing or Temporal cannot be reached.
 */
export async function startApi(config: Config): Promise<RunningApi> {
  const db = createDb(config, 'the API');
  const logger = createLogger({ level: config.logLevel, name: 'holdfast-api' });
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = createApp({ config, db, temporal, logger });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: '0.0.0.0' });
  logger.info({ port: config.port }, 'api listening');
  return {
    port: config.port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
      await db.sequelize.close();
    },
  };
}

async function main(): Promise<void> {
  const api = await startApi(loadConfig());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      api.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

if (process.argv[1]?.endsWith('api/server.ts')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
