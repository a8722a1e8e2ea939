import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb } from '../../db/connection';
import { migrate } from '../../db/migrate';
import {
  freePort,
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningService,
} from '../../tools/stack/local-stack';
import { countRows, seedCatalog } from '../helpers/factories';
import { actor, call, connectStack, type Actor, type TestStack } from '../helpers/stack';
import { WorkerProcess } from '../../tools/worker-process';

/*
 * Nothing fails open (SPEC.md §8): with Temporal, the worker or PostgreSQL down, POST /v1/orders
 * answers 503 and places nothing, not even after the dependency comes back. This file runs
 * its own PostgreSQL, Temporal dev server and worker process, so it can stop them.
 */

const GATE_TIMEOUT_MS = 3_000;
let dir: string;
let pgPort: number;
let pg: RunningService;
let temporal: RunningService;
let worker: WorkerProcess;
let stack: TestStack;
let closeStack: () => Promise<void>;
let staff: Actor;

/** startPostgres starts (or restarts) this file's PostgreSQL, its data kept in `dir`. */
function startPostgres(): Promise<RunningService> {
  return startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: pgPort,
    database: 'holdfast',
    persistent: true,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'holdfast-outage-'));
  await chmod(dir, 0o755);
  pgPort = await freePort();
  [pg, temporal] = await Promise.all([
    startPostgres(),
    freePort().then((port) => startTemporalDevServer({ port })),
  ]);
  const db = createDb({
    databaseUrl: pg.url,
    dbPoolMax: 2,
    dbLockTimeoutMs: 5_000,
    dbStatementTimeoutMs: 8_000,
  });
  await migrate(db.sequelize);
  await db.sequelize.close();
  const provided = { databaseUrl: pg.url, temporalAddress: temporal.url, taskQueue: 'outage' };
  worker = new WorkerProcess({
    ...provided,
    workflowBundlePath: inject('stack').workflowBundlePath,
  });
  await worker.start();
  ({ stack, close: closeStack } = await connectStack(provided, {
    orderGateTimeoutMs: GATE_TIMEOUT_MS,
    orderSubmissionsPerMinute: 100,
  }));
  staff = await actor('staff');
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await closeStack?.();
  await temporal?.stop();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function productId(): Promise<string> {
  return (await seedCatalog(stack, staff, { products: [{ stock: 10 }] })).productIds[0]!;
}

function order(buyer: Actor, id: string, key?: string) {
  return call(stack, 'POST', '/v1/orders', {
    token: buyer.token,
    key,
    body: { lines: [{ productId: id, quantity: 1 }] },
  });
}

function ordersOf(buyer: Actor) {
  return countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [buyer.sub]);
}

/**
 * orderAsAClientRetries submits like a client that honours `Retry-After`: a freshly started worker
 * on a loaded machine can miss the 3 s gate deadline with its first activations, and each 503 it
 * gives must have placed nothing, which the callers' order count checks.
 */
async function orderAsAClientRetries(buyer: Actor, id: string) {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await order(buyer, id);
    if (answer.status !== 503 || attempt === 5) return answer;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

describe('the order gate when a dependency is down', () => {
  it('when the worker is down, then the submission answers 503 at its deadline, and once the worker is back it is never placed', async () => {
    const [id, buyer] = [await productId(), await actor('customer')];
    await worker.stop();

    const stalled = await order(buyer, id);
    await worker.start();
    const after = await orderAsAClientRetries(buyer, id);

    expect(stalled.status).toBe(503);
    expect(stalled.body.code).toBe('unavailable');
    expect(stalled.headers.get('retry-after')).toBe('1');
    // The same lines without a key would be a duplicate had the stalled one been placed.
    expect(after.status).toBe(201);
    expect(await ordersOf(buyer)).toBe(1);
  });

  it('when PostgreSQL is down, then the submission answers 503, and once it is back nothing of it was written', async () => {
    const [id, buyer] = [await productId(), await actor('customer')];
    await pg.stop();

    const refused = await order(buyer, id);
    pg = await startPostgres();
    const after = await orderAsAClientRetries(buyer, id);

    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('unavailable');
    expect(after.status).toBe(201);
    expect(await ordersOf(buyer)).toBe(1);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM order_failures WHERE customer_id = $1', [
        buyer.sub,
      ]),
    ).toBe(0);
  });

  it('when Temporal is stopped, then POST /v1/orders answers 503, writes no order, no audit row and no key, and /readyz says so', async () => {
    const [id, buyer] = [await productId(), await actor('customer')];
    expect((await order(buyer, id, randomUUID())).status).toBe(201);
    await temporal.stop();

    const key = randomUUID();
    const refused = await order(buyer, id, key);
    const ready = await stack.app.request('/readyz');

    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('unavailable');
    expect(await ordersOf(buyer)).toBe(1);
    expect(
      await countRows(
        stack,
        `SELECT (SELECT count(*) FROM order_failures WHERE customer_id = $1)
              + (SELECT count(*) FROM idempotency_keys WHERE subject = $1 AND key = $2) AS n`,
        [buyer.sub, key],
      ),
    ).toBe(0);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ postgres: 'ok', temporal: 'unreachable' });
  });
});
