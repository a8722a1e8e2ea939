import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { createDb } from '../db/connection';
import { createLogger } from '../lib/logger';
import { createApp } from './index';
import { problemResponse } from './middleware/errors';

/** RunningApi is a started HTTP server and how to stop it. */
export interface RunningApi {
  port: number;
  /** metricsPort is the internal port serving `/metrics`, 0 when it is served on `port`. */
  metricsPort: number;
  stop(): Promise<void>;
}

/** METRICS_PATH is the Prometheus scrape path (SPEC.md §9). */
export const METRICS_PATH = '/metrics';

/**
 * FetchApp is the part of a Hono app a listener needs: its request handler, and `getPath`, the
 * path exactly as the app routes it (percent-decoded), so a filter and the router never
 * disagree about which route a request reaches.
 */
export interface FetchApp {
  /** fetch answers one request; `env` is the Node adapter's bindings (incoming, outgoing). */
  fetch: (request: Request, env?: object) => Response | Promise<Response>;
  getPath: (request: Request) => string;
}

/**
 * listenerFetches splits `app` over the API's two listeners (METRICS_PORT, config.ts). With
 * `metricsPort` 0 the public listener is the whole app and there is no internal one. Above 0,
 * the public listener answers `/metrics` with 404 `not_found` (the app's own answer to an unknown
 * route) and the internal listener serves only `/metrics`, through the app (same handler, same
 * request metrics), and 404 for everything else.
 */
export function listenerFetches(
  app: FetchApp,
  metricsPort: number,
): { publicFetch: FetchApp['fetch']; metricsFetch?: FetchApp['fetch'] } {
  if (metricsPort === 0) return { publicFetch: app.fetch };
  const isMetrics = (request: Request) => app.getPath(request) === METRICS_PATH;
  return {
    publicFetch: function publicListener(request, env) {
      return isMetrics(request) ? noSuchRoute() : app.fetch(request, env);
    },
    metricsFetch: function metricsListener(request, env) {
      return isMetrics(request) ? app.fetch(request, env) : noSuchRoute();
    },
  };
}

function noSuchRoute(): Response {
  return problemResponse('not_found', 'No such route');
}

/**
 * startApi connects to PostgreSQL and Temporal and serves the Hono app on `config.port`, and
 * `/metrics` on `config.metricsPort` instead when that is above 0 (both on every interface:
 * keep the metrics port unpublished, as docker-compose.yml does).
 * @throws Error when DATABASE_URL is missing or Temporal cannot be reached.
 */
export async function startApi(config: Config): Promise<RunningApi> {
  const db = createDb(config, 'the API');
  const logger = createLogger({ level: config.logLevel, name: 'holdfast-api' });
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = createApp({ config, db, temporal, logger });
  const { publicFetch, metricsFetch } = listenerFetches(app, config.metricsPort);
  const servers = [serve({ fetch: publicFetch, port: config.port, hostname: '0.0.0.0' })];
  if (metricsFetch) {
    servers.push(serve({ fetch: metricsFetch, port: config.metricsPort, hostname: '0.0.0.0' }));
  }
  logger.info({ port: config.port, metricsPort: config.metricsPort }, 'api listening');
  return {
    port: config.port,
    metricsPort: config.metricsPort,
    async stop() {
      await Promise.all(
        servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
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
