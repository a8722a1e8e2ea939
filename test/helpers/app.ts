import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/index';
import { signToken, type Role } from '../../api/middleware/auth';
import { loadConfig, type Config } from '../../config';
import { createDb, type Db } from '../../db/connection';
import { createLogger } from '../../lib/logger';

/** TEST_JWT_SECRET signs every test token. */
export const TEST_JWT_SECRET = 'holdfast-test-secret-0123456789';

/** TestStack is what a test file drives: the real app, its database and a Temporal client. */
export interface TestStack {
  app: ReturnType<typeof createApp>;
  db: Db;
  temporal: Client;
  config: Config;
}

/**
 * connectStack builds the app and its clients against a running stack (outside vitest too:
 * the bench scripts use it). `close()` releases the connections.
 */
export async function connectStack(
  provided: { databaseUrl: string; temporalAddress: string; taskQueue: string },
  overrides: Partial<Config> = {},
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
    }),
    ...overrides,
  };
  const db = createDb(config);
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = createApp({ config, db, temporal, logger: createLogger({ level: 'silent' }) });
  const close = async () => {
    await connection.close();
    await db.sequelize.close();
  };
  return { stack: { app, db, temporal, config }, close };
}

/** Actor is a test user: its `sub`, role and a signed bearer token. */
export interface Actor {
  sub: string;
  role: Role;
  token: string;
}

/** actor returns a fresh user of `role` with a valid token. */
export async function actor(role: Role, sellerId?: string): Promise<Actor> {
  const sub = randomUUID();
  return { sub, role, token: await signToken({ sub, role, sellerId }, TEST_JWT_SECRET) };
}

/** ApiResult is one HTTP exchange: status, parsed JSON body (or text) and headers. */
export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** CallOptions shape one request: token, JSON body (or a raw string), Idempotency-Key, headers. */
export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  key?: string;
  headers?: Record<string, string>;
}

/** call sends one request through `app.request()` (no network) and parses the reply. */
export async function call<T = any>(
  stack: TestStack,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.key) headers['idempotency-key'] = options.key;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await stack.app.request(path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** expectOk asserts a 2xx status, showing the problem body when it is not. */
export function expectStatus<T>(result: ApiResult<T>, status: number): T {
  if (result.status !== status) {
    throw new Error(
      `expected HTTP ${status}, got ${result.status}: ${JSON.stringify(result.body)}`,
    );
  }
  return result.body;
}
