import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Config } from '../../config';
import { query } from '../../db/transaction';
import { resourceIdFor } from '../../domain/ids';
import { gateStateQuery } from '../../domain/order-gate';
import { workflowIds } from '../../domain/workflow-ids';
import { countRows, openWallet, seedCatalog } from '../helpers/factories';
import {
  actor,
  call,
  connectStack,
  useStack,
  type Actor,
  type ApiResult,
  type TestStack,
} from '../helpers/stack';

/*
 * The order gate on the real stack (SPEC.md §8): POST /v1/orders through
 * `customer-<id>-orders`, the real worker placing orders in PostgreSQL. Each story uses fresh
 * customers, and its own configuration where it needs one (a second app on the same stack).
 */

let stack: TestStack;
let staff: Actor;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

afterAll(async () => {
  for (const close of closers) await close();
});

/** appWith builds another app on the run's stack with configuration `overrides`. */
async function appWith(overrides: Partial<Config>): Promise<TestStack> {
  const { stack: configured, close } = await connectStack(inject('stack'), overrides);
  closers.push(close);
  return configured;
}

/** products creates `count` products with plenty of stock and returns their IDs. */
async function products(count: number, stock = 100): Promise<string[]> {
  const seeded = await seedCatalog(stack, staff, {
    products: Array.from({ length: count }, () => ({ stock })),
  });
  return seeded.productIds;
}

function order(on: TestStack, buyer: Actor, productId: string, options: OrderOptions = {}) {
  return call(on, 'POST', '/v1/orders', {
    token: buyer.token,
    key: options.key,
    headers: options.headers,
    body: { lines: [{ productId, quantity: options.quantity ?? 1 }] },
  });
}

interface OrderOptions {
  key?: string;
  quantity?: number;
  headers?: Record<string, string>;
}

/** placementSpans reads the customer's placements: [transaction start, end of its writes]. */
async function placementSpans(on: TestStack, customerId: string) {
  const rows = await query<{ started: Date; finished: Date }>(
    on.db,
    `SELECT reserved_at AS started, placement_finished_at AS finished FROM orders
     WHERE customer_id = $1 ORDER BY reserved_at`,
    [customerId],
  );
  return rows.map((r) => ({ startMs: r.started.getTime(), endMs: r.finished.getTime() }));
}

function expectNoOverlap(spans: { startMs: number; endMs: number }[]) {
  for (let i = 1; i < spans.length; i += 1)
    expect(spans[i]!.startMs).toBeGreaterThanOrEqual(spans[i - 1]!.endMs);
}

function failuresOf(on: TestStack, customerId: string) {
  return countRows(on, 'SELECT count(*) AS n FROM order_failures WHERE customer_id = $1', [
    customerId,
  ]);
}

describe('the order gate: throttle and serialisation', () => {
  it('when one customer sends 10 submissions at once, then 3 are placed in the minute, 7 get 429 with Retry-After and RateLimit, and no two placements overlap', async () => {
    const productIds = await products(10);
    const buyer = await actor('customer');

    const results = await Promise.all(productIds.map((id) => order(stack, buyer, id)));

    const placed = results.filter((r) => r.status === 201);
    const throttled = results.filter((r) => r.status === 429);
    expect(placed).toHaveLength(3);
    expect(throttled).toHaveLength(7);
    for (const refused of throttled) {
      expect(refused.body.code).toBe('throttled');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.body.retryAfterSeconds).toBe(retryAfter);
      expect(refused.headers.get('ratelimit-policy')).toBe('"orders";q=3;w=60');
      expect(refused.headers.get('ratelimit')).toBe(`"orders";r=0;t=${retryAfter}`);
    }
    expect(placed.map((r) => r.headers.get('ratelimit-policy'))).toEqual(
      Array(3).fill('"orders";q=3;w=60'),
    );
    const spans = await placementSpans(stack, buyer.sub);
    expect(spans).toHaveLength(3);
    expectNoOverlap(spans);
    expect(await failuresOf(stack, buyer.sub)).toBe(7);
  });

  it('when 10 submissions race with a limit of 100 a minute, then all 10 are placed, one after another', async () => {
    const roomy = await appWith({ orderSubmissionsPerMinute: 100 });
    const productIds = await products(10);
    const buyer = await actor('customer');

    const results = await Promise.all(productIds.map((id) => order(roomy, buyer, id)));

    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const spans = await placementSpans(roomy, buyer.sub);
    expect(spans).toHaveLength(10);
    expectNoOverlap(spans);
  });
});

describe('the order gate: backoff by workflow timers', () => {
  it('when submissions fail in a row, then the next is refused for base × 2^n up to the maximum; a success resets n, and so does the reset time', async () => {
    const quick = await appWith({
      orderSubmissionsPerMinute: 100,
      // Windows of seconds, so that a probe sent right after a failure lands inside its
      // backoff even on a loaded machine.
      orderBackoffBaseMs: 1_000,
      orderBackoffMaxMs: 4_000,
      orderBackoffResetMs: 8_000,
    });
    const [scarce, ...plenty] = await products(8, 1);
    const buyer = await actor('customer');
    const fail = () => untilNotBackoff(() => order(quick, buyer, scarce!, { quantity: 5 }));
    const probe = () => order(quick, buyer, plenty[0]!, { key: randomUUID() });

    const backoffs: number[] = [];
    for (let n = 1; n <= 3; n += 1) {
      expect((await fail()).body.code).toBe('insufficient_stock');
      const refused = await probe();
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'backoff', consecutiveFailures: n });
      expect(refused.headers.get('retry-after')).toBe(String(refused.body.retryAfterSeconds));
      backoffs.push(refused.body.backoffMs);
    }
    expect(backoffs).toEqual([2_000, 4_000, 4_000]);

    expect((await untilNotBackoff(() => order(quick, buyer, plenty[1]!))).status).toBe(201);
    expect((await fail()).status).toBe(409);
    expect((await probe()).body).toMatchObject({ backoffMs: 2_000, consecutiveFailures: 1 });

    await new Promise((resolve) => setTimeout(resolve, 8_100));
    expect((await fail()).status).toBe(409);
    expect((await probe()).body).toMatchObject({ backoffMs: 2_000, consecutiveFailures: 1 });
  });
});

/** untilNotBackoff sends `send()` again every 50 ms while it answers 429 backoff (≤ 10 s). */
async function untilNotBackoff(send: () => Promise<ApiResult>): Promise<ApiResult> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await send();
    if (result.body?.code !== 'backoff' || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the order gate: duplicates', () => {
  it('when the same lines come again within the window without a key, then 409 duplicate_submission names the first order; a fresh key places them', async () => {
    const roomy = await appWith({ orderSubmissionsPerMinute: 100 });
    const [a, b] = await products(2);
    const buyer = await actor('customer');
    const lines = [
      { productId: a, quantity: 1 },
      { productId: b, quantity: 2 },
    ];
    const send = (body: unknown, key?: string) =>
      call(roomy, 'POST', '/v1/orders', { token: buyer.token, key, body });

    const first = await send({ lines });
    const reordered = await send({ lines: [lines[1], { productId: a, quantity: 1 }] });
    const keyed = await send({ lines }, randomUUID());
    const other = await send({ lines: [{ productId: a, quantity: 3 }] });

    expect(first.status).toBe(201);
    expect(reordered.status).toBe(409);
    expect(reordered.body).toMatchObject({ code: 'duplicate_submission', orderId: first.body.id });
    expect(keyed.status).toBe(201);
    expect(keyed.body.id).not.toBe(first.body.id);
    expect(other.status).toBe(201);
    expect(
      await countRows(roomy, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        buyer.sub,
      ]),
    ).toBe(3);
  });
});

describe('the order gate: duplicates compare the whole submission', () => {
  it('when the same lines come again without a key but paid at once, then they are placed; the same lines with the same pay are the duplicate', async () => {
    const roomy = await appWith({ orderSubmissionsPerMinute: 100 });
    const [productId] = await products(1);
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    const lines = [{ productId, quantity: 1 }];
    const send = (body: unknown) => call(roomy, 'POST', '/v1/orders', { token: buyer.token, body });

    const unpaid = await send({ lines });
    const paid = await send({ lines, pay: { accountId: walletId } });
    const paidAgain = await send({ lines, pay: { accountId: walletId } });

    expect(unpaid.status).toBe(201);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'paid' });
    expect(paid.body.id).not.toBe(unpaid.body.id);
    expect(paidAgain.status).toBe(409);
    expect(paidAgain.body).toMatchObject({ code: 'duplicate_submission', orderId: paid.body.id });
    expect(
      await countRows(roomy, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        buyer.sub,
      ]),
    ).toBe(2);
  });
});

describe('the order gate: the failed-attempt audit', () => {
  it('when submissions are refused, then each writes exactly one order_failures row with its context, and successes write none', async () => {
    const roomy = await appWith({ orderSubmissionsPerMinute: 100, orderBackoffBaseMs: 1 });
    const [scarce, plenty] = await products(2, 1);
    const buyer = await actor('customer');
    const headers = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1', 'user-agent': 'gate-test/1.0' };

    const placed = await order(roomy, buyer, plenty!, { headers });
    const duplicate = await order(roomy, buyer, plenty!, { headers });
    const shortKey = randomUUID();
    const short = await order(roomy, buyer, scarce!, { quantity: 3, key: shortKey, headers });
    const invalid = await call(roomy, 'POST', '/v1/orders', {
      token: buyer.token,
      headers,
      body: { lines: [{ productId: plenty, quantity: 0 }] },
    });

    expect([placed.status, duplicate.status, short.status, invalid.status]).toEqual([
      201, 409, 409, 422,
    ]);
    const rows = await query<Record<string, any>>(
      roomy.db,
      'SELECT * FROM order_failures WHERE customer_id = $1 ORDER BY created_at',
      [buyer.sub],
    );
    expect(rows.map((r) => r.code)).toEqual([
      'duplicate_submission',
      'insufficient_stock',
      'validation_failed',
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ actor_id: buyer.sub, ip: '203.0.113.7' });
      expect(row.user_agent).toBe('gate-test/1.0');
    }
    const [dup, stock, bad] = rows;
    expect(dup!.cart).toMatchObject({ lines: [{ productId: plenty, quantity: 1 }] });
    expect(dup!.cart_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(dup!.idempotency_key).toBeNull();
    expect(dup!.order_id).toBeNull();
    expect(stock).toMatchObject({
      http_status: 409,
      idempotency_key: shortKey,
      order_id: resourceIdFor({ sub: buyer.sub, idempotencyKey: shortKey, scope: 'order' }),
    });
    expect(stock!.errors).toEqual([{ code: 'insufficient_stock', message: short.body.detail }]);
    expect(bad!.http_status).toBe(422);
    expect(bad!.cart).toEqual({ lines: [{ productId: plenty, quantity: 0 }] });
    expect(bad!.errors[0].code).toBe('validation_failed');

    const replay = await order(roomy, buyer, scarce!, { quantity: 3, key: shortKey, headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await failuresOf(roomy, buyer.sub)).toBe(3);
  });
});

describe('the failed-attempt audit before the route', () => {
  it('when a submission is refused for the form of its body or its key, then it writes one order_failures row too, its replay none, and a request by staff or nobody none', async () => {
    const [productId] = await products(1);
    const buyer = await actor('customer');
    const malformedKey = randomUUID();
    const malformed = () =>
      call(stack, 'POST', '/v1/orders', {
        token: buyer.token,
        key: malformedKey,
        rawBody: '{"lines": [',
      });
    const reusedKey = randomUUID();

    const first = await malformed();
    const replayed = await malformed();
    const notJson = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      rawBody: 'lines=1',
      headers: { 'content-type': 'text/plain' },
    });
    const placed = await order(stack, buyer, productId!, { key: reusedKey });
    const reused = await order(stack, buyer, productId!, { key: reusedKey, quantity: 2 });
    const badKey = await order(stack, buyer, productId!, { key: 'k'.repeat(256) });
    const byStaff = await call(stack, 'POST', '/v1/orders', {
      token: staff.token,
      rawBody: '{"lines": [',
    });
    const anonymous = await call(stack, 'POST', '/v1/orders', { rawBody: '{"lines": [' });

    expect(
      [first, replayed, notJson, placed, reused, badKey, byStaff, anonymous].map((r) => r.status),
    ).toEqual([400, 400, 415, 201, 422, 422, 403, 401]);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    const rows = await query<Record<string, any>>(
      stack.db,
      'SELECT * FROM order_failures WHERE customer_id = $1 ORDER BY created_at, id',
      [buyer.sub],
    );
    expect(rows.map((r) => [r.code, r.http_status]).sort()).toEqual([
      ['idempotency_key_reuse', 422],
      ['malformed_json', 400],
      ['unsupported_media_type', 415],
      ['validation_failed', 422],
    ]);
    const row = (code: string) => rows.find((r) => r.code === code)!;
    expect(row('malformed_json')).toMatchObject({
      actor_id: buyer.sub,
      cart: { raw: '{"lines": [' },
      idempotency_key: malformedKey,
      order_id: resourceIdFor({ sub: buyer.sub, idempotencyKey: malformedKey, scope: 'order' }),
    });
    expect(row('unsupported_media_type')).toMatchObject({
      cart: { raw: 'lines=1' },
      order_id: null,
    });
    expect(row('idempotency_key_reuse')).toMatchObject({
      cart: { lines: [{ productId, quantity: 2 }] },
      idempotency_key: reusedKey,
      order_id: null,
    });
    expect(row('validation_failed').errors).toEqual([
      {
        code: 'validation_failed',
        message: 'header.Idempotency-Key: must be 1–255 printable ASCII characters',
      },
    ]);
    expect(await failuresOf(stack, staff.sub)).toBe(0);
  });
});

describe('the order gate: continue-as-new under load', () => {
  it('when 40 submissions of one customer keep its gate busy past its history threshold, then every one is answered once and the gate carried its state into a new run', async () => {
    const busy = await appWith({ orderSubmissionsPerMinute: 1_000, orderGateHistoryMax: 40 });
    const productIds = await products(40);
    const buyer = await actor('customer');

    const results: ApiResult[] = [];
    for (let wave = 0; wave < 4; wave += 1) {
      const batch = productIds.slice(wave * 10, wave * 10 + 10);
      results.push(
        ...(await Promise.all(batch.map((id) => order(busy, buyer, id, { key: randomUUID() })))),
      );
    }

    expect(results.map((r) => r.status)).toEqual(Array(40).fill(201));
    expect(
      await countRows(busy, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [buyer.sub]),
    ).toBe(40);
    const gate = busy.temporal.workflow.getHandle(workflowIds.customerOrders(buyer.sub));
    const firstEvent = (await gate.fetchHistory()).events![0]!;
    expect(
      firstEvent.workflowExecutionStartedEventAttributes?.continuedExecutionRunId,
    ).toBeTruthy();
    expect((await gate.query(gateStateQuery)).processedAtMs).toHaveLength(40);
    expectNoOverlap(await placementSpans(busy, buyer.sub));
  });
});
