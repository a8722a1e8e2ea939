import { Connection, type Client } from '@temporalio/client';
import { createApp } from '../api/index';
import { createApiTemporalClient } from '../api/temporal-client';
import { loadConfig, type Config } from '../config';
import { createDb, type Db } from '../db/connection';
import { createLogger, type Logger } from '../lib/logger';
import { TEST_JWT_SECRET } from './actors';
import { requestJson, type ApiCaller, type ApiResult, type CallOptions } from './http';
import { typedApiAt, type TypedApi } from './resources';

export { TEST_JWT_SECRET, actor, type Actor } from './actors';
export { expectStatus, type ApiResult, type CallOptions } from './http';

/** TEST_WRITES_PER_MINUTE is the tests' write limit: high enough that no test meets it unasked. */
export const TEST_WRITES_PER_MINUTE = 1_000_000;

/** TestStack is what a test file drives: the real app, its database and a Temporal client. */
export interface TestStack {
  app: ReturnType<typeof createApp>;
  db: Db;
  temporal: Client;
  config: Config;
}

/** ConnectStackOptions are what a test may give the app besides config. */
export interface ConnectStackOptions {
  /** logger receives the app's log lines (default: a silent one). */
  logger?: Logger;
}

/**
 * connectStack builds the app and its clients against a running stack (outside vitest too:
 * the bench scripts use it), with the API's own Temporal client (api/temporal-client.ts).
 * `close()` releases the connections.
 */
export async function connectStack(
  provided: { databaseUrl: string; temporalAddress: string; taskQueue: string },
  overrides: Partial<Config> = {},
  options: ConnectStackOptions = {},
): Promise<{ stack: TestStack; close: () => Promise<void> }> {
  const config = {
    ...loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: provided.databaseUrl,
      TEMPORAL_ADDRESS: provided.temporalAddress,
      TEMPORAL_TASK_QUEUE: provided.taskQueue,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: 'silent',
      DB_POOL_MAX: '20',
      // Tests send many writes per caller (auth matrix, fuzz, races); one that tests the write
      // limit asks for a small one through `overrides`.
      WRITES_PER_MINUTE: String(TEST_WRITES_PER_MINUTE),
      // Test receivers listen on http://127.0.0.1; a test of the URL rule overrides these.
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    }),
    ...overrides,
  };
  const db = createDb(config);
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = createApiTemporalClient(connection, config.temporalNamespace);
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const app = createApp({ config, db, temporal, logger });
  const close = async () => {
    await connection.close();
    await db.sequelize.close();
  };
  return { stack: { app, db, temporal, config }, close };
}

/** call sends one request through `app.request()` (no network) and parses the reply. */
export async function call<T = any>(
  stack: TestStack,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResult<T>> {
  return requestJson<T>((url, init) => stack.app.request(url, init), method, path, options);
}

/** stackCaller adapts `stack` to an ApiCaller, for the helpers shared with scripts/. */
export function stackCaller(stack: TestStack): ApiCaller {
  return (method, path, options) => call(stack, method, path, options);
}

/**
 * stackApi is the typed client of `stack`'s app (requests through `app.request()`, no
 * network), for the seeding helpers of tools/resources.ts.
 */
export function stackApi(stack: TestStack): TypedApi {
  return typedApiAt('http://holdfast.test', async (request) => stack.app.request(request));
}
