import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import { Connection } from '@temporalio/client';
import { loadConfig, SERVICE_ENTRY, type Config } from '../config';
import { createDb } from '../db/connection';
import { createLogger, type Logger } from '../lib/logger';
import { createApp, type ApiLifecycle } from './index';
import { problemResponse } from './middleware/errors';
import { createApiTemporalClient } from './temporal-client';

/** RunningApi is a started HTTP server and how to stop it. */
export interface RunningApi {
  /** port is the port the API listens on (the one the system chose when config.port is 0). */
  port: number;
  /** metricsPort is the internal port serving `/metrics`, 0 when it is served on `port`. */
  metricsPort: number;
  /**
   * stop drains and closes the API: `/readyz` answers 503 at once, new requests are still
   * served for config.shutdownDrainDelayMs, then the listeners close and in-flight requests get
   * up to config.requestTimeoutMs to finish before their connections are cut; last, the
   * Temporal connection and the database pool close.
   */
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
 * keep the metrics port unpublished, as docker-compose.yml does). It warns when it runs with
 * the public development JWT_SECRET.
 * @throws Error when DATABASE_URL is missing or Temporal cannot be reached.
 */
export async function startApi(config: Config): Promise<RunningApi> {
  const db = createDb(config, 'the API');
  const logger = createLogger({ level: config.logLevel, name: 'holdfast-api' });
  if (config.jwtSecretIsDevelopment) warnDevelopmentSecret(logger);
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = createApiTemporalClient(connection, config.temporalNamespace);
  const lifecycle: ApiLifecycle = { draining: false };
  const app = createApp({ config, db, temporal, logger }, lifecycle);
  const { publicFetch, metricsFetch } = listenerFetches(app, config.metricsPort);
  const servers = [serve({ fetch: publicFetch, port: config.port, hostname: '0.0.0.0' })];
  if (metricsFetch) {
    servers.push(serve({ fetch: metricsFetch, port: config.metricsPort, hostname: '0.0.0.0' }));
  }
  const [port, metricsPort = 0] = await Promise.all(servers.map(listeningPort));
  logger.info({ port, metricsPort }, 'api listening');
  return {
    port,
    metricsPort,
    async stop() {
      lifecycle.draining = true;
      logger.info({ drainDelayMs: config.shutdownDrainDelayMs }, 'api draining');
      await sleep(config.shutdownDrainDelayMs);
      await Promise.all(servers.map((server) => closeServer(server, config.requestTimeoutMs)));
      await connection.close();
      await db.sequelize.close();
      logger.info('api stopped');
    },
  };
}

/**
 * warnDevelopmentSecret says, at warn level, that tokens are checked with the public
 * DEV_JWT_SECRET (config.ts): fine for `npm run dev`, never for anything reachable by others.
 */
function warnDevelopmentSecret(logger: Logger): void {
  logger.warn(
    'JWT_SECRET is the public development secret: anyone can sign tokens for this API, staff ' +
      'ones included. Set a secret of your own for anything but local development',
  );
}

/** listeningPort resolves to the port `server` listens on, once it does. */
async function listeningPort(server: ServerType): Promise<number> {
  if (!server.listening) await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/**
 * closeServer stops `server` taking connections and resolves once its open ones have ended;
 * connections still open after `graceMs` (a request past REQUEST_TIMEOUT, a client holding a
 * keep-alive connection) are cut.
 */
async function closeServer(server: ServerType, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const timer = setTimeout(() => {
    if ('closeAllConnections' in server) server.closeAllConnections();
  }, graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * main is `npm run start:api`: JWT_SECRET must be set (SERVICE_ENTRY). SIGTERM or SIGINT
 * drains and stops the API once (RunningApi.stop), then exits.
 */
async function main(): Promise<void> {
  const api = await startApi(loadConfig(process.env, SERVICE_ENTRY));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    api.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, stop);
}

if (process.argv[1]?.endsWith('api/server.ts')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
