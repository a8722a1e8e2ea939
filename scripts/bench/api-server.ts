import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { Hono } from 'hono';
import { createApp } from '../../api/index';
import { startWithUpdate } from '../../api/temporal-kit';
import { loadConfig } from '../../config';
import { createDb, type Db } from '../../db/connection';
import { execute, lockRows, withTransaction } from '../../db/transaction';
import { createLogger } from '../../lib/logger';
import { echoUpdate, NOOP_TASK_QUEUE, noopWorkflow } from './noop-workflow';
import { LIFECYCLE_PAYMENT_TTL_MS, LIFECYCLE_PREFIX } from './lifecycle-config';

/*
 * The bench's API process: the real holdfast app (api/index.ts) with two bench routes beside
 * it on the same Hono server, so the baseline, the ceiling and holdfast are served by one
 * process with the same middleware stack, event loop and pool. Configured from the
 * environment like `npm run start:api`. A second instance of the real app, whose orders have a
 * payment TTL of LIFECYCLE_PAYMENT_TTL_MS, serves under LIFECYCLE_PREFIX (orders-lifecycle).
 */

/** BaselineBody is POST /bench/baseline: reserve `quantity` units of a product for a customer. */
interface BaselineBody {
  productId: string;
  customerId: string;
  quantity: number;
}

/**
 * reserveBaseline is the non-durable, seed-style placement the bench compares holdfast with:
 * one transaction that locks the product row, checks availability, reserves and inserts a
 * `bench_orders` row. It answers 'placed', 'insufficient_stock' or 'not_found'.
 */
async function reserveBaseline(db: Db, body: BaselineBody, orderId: string) {
  return withTransaction(db, 'bench_baseline', async (transaction) => {
    const [product] = await lockRows<{ stock_on_hand: number; reserved: number }>(
      db,
      transaction,
      'products',
      'SELECT stock_on_hand, reserved FROM products WHERE id = $1 FOR UPDATE',
      [body.productId],
    );
    if (!product) return 'not_found' as const;
    if (product.stock_on_hand - product.reserved < body.quantity)
      return 'insufficient_stock' as const;
    await execute(
      db,
      'UPDATE products SET reserved = reserved + $2, updated_at = now() WHERE id = $1',
      [body.productId, body.quantity],
      transaction,
    );
    await execute(
      db,
      'INSERT INTO bench_orders (id, product_id, customer_id, quantity) VALUES ($1, $2, $3, $4)',
      [orderId, body.productId, body.customerId, body.quantity],
      transaction,
    );
    return 'placed' as const;
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(config, 'the bench API');
  const logger = createLogger({ level: config.logLevel, name: 'holdfast-bench-api' });
  const connection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const app = createApp({ config, db, temporal, logger });

  app.post('/bench/baseline', async (c) => {
    const body = await c.req.json<BaselineBody>();
    const outcome = await reserveBaseline(db, body, randomUUID());
    const status = { placed: 201, insufficient_stock: 409, not_found: 404 } as const;
    return c.json({ outcome }, status[outcome]);
  });
  app.post('/bench/noop', async (c) => {
    const key = c.req.header('idempotency-key') ?? randomUUID();
    const answer = await startWithUpdate(temporal, {
      workflow: noopWorkflow,
      workflowId: `bench-noop-${key}`,
      taskQueue: NOOP_TASK_QUEUE,
      args: [],
      update: echoUpdate,
      updateArgs: [await c.req.json<unknown>()],
      reusePolicy: 'REJECT_DUPLICATE',
    });
    return c.json({ answer }, 201);
  });

  // Its own root, not app.route on `app`: `app`'s '*' middleware (request IDs, metrics, the
  // request log) would run a second time around every request of the mounted app.
  const lifecycleApp = new Hono().route(
    LIFECYCLE_PREFIX,
    createApp({
      config: { ...config, orderPaymentTtlMs: LIFECYCLE_PAYMENT_TTL_MS },
      db,
      temporal,
      logger,
    }),
  );
  const server = serve({
    fetch: (request, env) =>
      new URL(request.url).pathname.startsWith(`${LIFECYCLE_PREFIX}/`)
        ? lifecycleApp.fetch(request, env)
        : app.fetch(request, env),
    port: config.port,
    hostname: '127.0.0.1',
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close();
      Promise.all([connection.close(), db.sequelize.close()]).then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  console.log(`bench api listening on ${config.port}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
