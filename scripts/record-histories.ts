import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createApp } from '../api/index';
import { signToken } from '../api/middleware/auth';
import { loadConfig } from '../config';
import { createDb } from '../db/connection';
import { newId, resourceIdFor } from '../domain/ids';
import { workflowIds } from '../domain/workflow-ids';
import { createLogger } from '../lib/logger';
import { findTemporalCli, PROJECT_ROOT } from './ensure-temporal';
import { startEphemeralStack } from './stack';

/** HISTORIES_DIR holds one recorded history per workflow type and notable path. */
export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

/**
 * `npm run histories:record` runs every workflow through its notable paths on a throwaway
 * stack (order: paid-and-fulfilled, expired, cancelled after pay, rejected; order payment;
 * transfer: deposit, refused; hold: posted for less, voided by its timer; payment completed)
 * and writes each closed run's history to test/replay/histories/<name>.json, named
 * with its real workflowId, for the replay test (ARCHITECTURE.md "Tests").
 */
async function main(): Promise<void> {
  const stack = await startEphemeralStack({ taskQueue: 'holdfast-record', log: console.log });
  const secret = 'holdfast-record-secret-0123456789';
  const config = {
    ...loadConfig({
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      JWT_SECRET: secret,
    }),
    orderPaymentTtlMs: 1_500,
  };
  const db = createDb({
    databaseUrl: stack.databaseUrl,
    poolMax: 5,
    lockTimeoutMs: 5_000,
    statementTimeoutMs: 15_000,
  });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const temporal = new Client({ connection });
  const app = createApp({ config, db, temporal, logger: createLogger({ level: 'silent' }) });
  const staff = await signToken({ sub: newId(), role: 'staff' }, secret);
  const buyerSub = newId();
  const buyer = await signToken({ sub: buyerSub, role: 'customer' }, secret);
  const http = async (method: string, url: string, token: string, body?: unknown, key?: string) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    };
    if (key) headers['idempotency-key'] = key;
    const res = await app.request(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status >= 500)
      throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(json)}`);
    return json as Record<string, any>;
  };
  const cli = await findTemporalCli();
  if (!cli) throw new Error('recording needs the Temporal CLI: run npm run ensure-temporal');
  const record = async (name: string, workflowId: string) => {
    await temporal.workflow
      .getHandle(workflowId)
      .result()
      .catch(() => undefined);
    // The CLI's JSON is the format historyFromJSON reads back (the replay test does).
    const { stdout } = await promisify(execFile)(
      cli,
      [
        'workflow',
        'show',
        '--workflow-id',
        workflowId,
        '--output',
        'json',
        '--address',
        stack.temporalAddress,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const history = JSON.parse(stdout) as { events: unknown[] };
    await writeFile(
      path.join(HISTORIES_DIR, `${name}.json`),
      JSON.stringify({ workflowId, history }, null, 1),
    );
    console.log(`recorded ${name} (${workflowId}, ${history.events.length} events)`);
  };
  await mkdir(HISTORIES_DIR, { recursive: true });

  const seller = await http('POST', '/v1/sellers', staff, { name: 'recorder', kind: 'merchant' });
  await http('POST', `/v1/sellers/${seller.id}/approve`, staff);
  const product = await http('POST', '/v1/products', staff, {
    sellerId: seller.id,
    sku: 'REC-1',
    name: 'recorded',
    priceMinor: 100,
    currency: 'EUR',
    stock: 10,
  });
  const wallet = await http('POST', '/v1/accounts', staff, {
    ownerId: buyerSub,
    kind: 'wallet',
    currency: 'EUR',
  });
  const deposit = await http('POST', `/v1/accounts/${wallet.id}/deposits`, staff, {
    amountMinor: 10_000,
  });
  const place = (quantity: number) =>
    http('POST', '/v1/orders', buyer, { lines: [{ productId: product.id, quantity }] });

  const paid = await place(1);
  await http('POST', `/v1/orders/${paid.id}/pay`, buyer, { accountId: wallet.id });
  await http('POST', `/v1/orders/${paid.id}/fulfill`, staff);
  const expired = await place(1);
  const cancelled = await place(2);
  await http('POST', `/v1/orders/${cancelled.id}/pay`, buyer, { accountId: wallet.id });
  await http('POST', `/v1/orders/${cancelled.id}/cancel`, buyer);
  const rejected = await http(
    'POST',
    '/v1/orders',
    buyer,
    { lines: [{ productId: product.id, quantity: 50 }] },
    'record-rejected',
  );
  if (rejected.code !== 'insufficient_stock')
    throw new Error(`expected a refusal, got ${JSON.stringify(rejected)}`);
  const rejectedWorkflowId = workflowIds.order(
    resourceIdFor({ sub: buyerSub, idempotencyKey: 'record-rejected', scope: 'order' }),
  );

  const other = await http('POST', '/v1/accounts', staff, {
    ownerId: newId(),
    kind: 'wallet',
    currency: 'EUR',
  });
  const heldThenPosted = await http('POST', '/v1/transfers', buyer, {
    fromAccountId: wallet.id,
    toAccountId: other.id,
    amountMinor: 500,
    hold: { timeout: '10m' },
  });
  await http('POST', `/v1/transfers/${heldThenPosted.id}/post`, buyer, { amountMinor: 300 });
  const heldThenExpired = await http('POST', '/v1/transfers', buyer, {
    fromAccountId: wallet.id,
    toAccountId: other.id,
    amountMinor: 200,
    hold: { timeout: '1s' },
  });
  const refusedTransfer = await http(
    'POST',
    '/v1/transfers',
    buyer,
    { fromAccountId: wallet.id, toAccountId: other.id, amountMinor: 1_000_000 },
    'record-refused-transfer',
  );
  if (refusedTransfer.code !== 'insufficient_funds')
    throw new Error(`expected a refusal, got ${JSON.stringify(refusedTransfer)}`);
  const payment = await http('POST', '/v1/payments', staff, {
    payerAccountId: wallet.id,
    payeeAccountId: other.id,
    amountMinor: 100,
  });
  await http('POST', `/v1/payments/${payment.id}/complete`, staff);

  await record('order-paid-fulfilled', paid.workflowId);
  await record('order-expired', expired.workflowId);
  await record('order-cancelled-after-pay', cancelled.workflowId);
  await record('order-rejected', rejectedWorkflowId);
  await record('order-payment', `${paid.workflowId}-payment`);
  await record('transfer-deposit', deposit.workflowId);
  await record(
    'transfer-refused',
    workflowIds.transfer(
      resourceIdFor({
        sub: buyerSub,
        idempotencyKey: 'record-refused-transfer',
        scope: 'transfer',
      }),
    ),
  );
  await record('hold-posted-for-less', heldThenPosted.workflowId);
  await record('hold-voided-by-timer', heldThenExpired.workflowId);
  await record('payment-completed', payment.workflowId);

  await connection.close();
  await db.sequelize.close();
  await stack.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
