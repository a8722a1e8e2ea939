import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb } from '../../db/connection';
import { migrate } from '../../db/migrate';
import { createWorker } from '../../worker/create';
import { connectStack, type TestStack } from '../app';
import { FUZZ_CONFIG_OVERRIDES } from './check';
import { TEST_WEBHOOK_DELIVERY } from '../stack/local-stack';

/*
 * An isolated stack for the fuzz test: its own database on the run's PostgreSQL server and its
 * own worker on its own task queue of the run's Temporal server, so the census of a refused
 * request sees only the fuzzer's writes while other test files write to the shared database.
 */

/** SharedServers are the run's servers (test/helpers/global-setup.ts provides them). */
export interface SharedServers {
  databaseUrl: string;
  temporalAddress: string;
  workflowBundlePath: string;
}

/** OPEN_WORKFLOWS_MAX bounds how many open workflows close() terminates (one page each pass). */
const OPEN_WORKFLOWS_MAX = 2_000;

/**
 * FUZZ_BOOKING_HELD_UNITS_MAX is the fuzz worker's holding limit: BOOKING_HELD_UNITS_MAX's
 * default, so the fuzzer's customers (holds last a day here) also meet 429 `hold_limit`.
 */
const FUZZ_BOOKING_HELD_UNITS_MAX = 10;

/**
 * startIsolatedStack creates a fresh database `fuzz_<hex>` beside the shared one, migrates it,
 * runs a worker for it on task queue `fuzz-<uuid>` and builds the app on both (with
 * FUZZ_CONFIG_OVERRIDES). `close()` stops all of it, terminates the workflows left open on
 * that queue and drops the database.
 */
export async function startIsolatedStack(
  shared: SharedServers,
): Promise<{ stack: TestStack; close: () => Promise<void> }> {
  const database = `fuzz_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const databaseUrl = await createDatabase(shared.databaseUrl, database);
  const db = createDb({
    databaseUrl,
    dbPoolMax: 10,
    dbLockTimeoutMs: 5_000,
    dbStatementTimeoutMs: 8_000,
  });
  await migrate(db.sequelize);
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  } catch {
    // Already installed in this process: keep that one.
  }
  const taskQueue = `fuzz-${randomUUID()}`;
  const { worker, connection } = await createWorker({
    db,
    temporalAddress: shared.temporalAddress,
    namespace: 'default',
    taskQueue,
    maxConcurrentActivities: 20,
    workflowBundle: { codePath: shared.workflowBundlePath },
    bookingHeldUnitsMax: FUZZ_BOOKING_HELD_UNITS_MAX,
    webhooks: TEST_WEBHOOK_DELIVERY,
  });
  const running = worker.run();
  const app = await connectStack(
    { databaseUrl, temporalAddress: shared.temporalAddress, taskQueue },
    FUZZ_CONFIG_OVERRIDES,
  );
  const close = async () => {
    await app.close();
    worker.shutdown();
    await running;
    await connection.close();
    await db.sequelize.close();
    await terminateOpenWorkflows(shared.temporalAddress, taskQueue);
    await dropDatabase(shared.databaseUrl, database);
  };
  return { stack: app.stack, close };
}

/** createDatabase creates `database` on the server of `serverUrl` and returns its URL. */
async function createDatabase(serverUrl: string, database: string): Promise<string> {
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE "${database}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** dropDatabase drops `database`, closing any connection still open to it. */
async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  await withAdmin(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
  );
}

async function withAdmin(
  serverUrl: string,
  run: (client: pg.Client) => Promise<unknown>,
): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

/**
 * terminateOpenWorkflows ends the workflows left running on `taskQueue` (orders awaiting
 * payment, gates, holds), so no open workflow without a worker outlives the test file.
 */
async function terminateOpenWorkflows(address: string, taskQueue: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const open = client.workflow.list({
      query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
    });
    let terminated = 0;
    for await (const execution of open) {
      if (terminated >= OPEN_WORKFLOWS_MAX) break;
      await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .terminate('fuzz test finished')
        .catch(() => undefined);
      terminated += 1;
    }
  } finally {
    await connection.close();
  }
}
