import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  censusDiff,
  describeViolation,
  replyViolations,
  runFuzz,
  sendFuzzRequest,
  TableCensus,
  type FuzzReply,
  type FuzzReport,
} from '../../tools/fuzz/check';
import type { FuzzRequest } from '../../tools/fuzz/requests';
import { startIsolatedStack } from '../../tools/fuzz/stack';
import { seedFuzzWorld, type FuzzWorld } from '../../tools/fuzz/world';
import { seedCatalog } from '../helpers/factories';
import { actor, type TestStack } from '../helpers/stack';

/*
 * Issue 11, Fuzzing: requests generated from GET /openapi.json — every route, random bodies,
 * query strings, path IDs, Idempotency-Keys, content types, tokens of every role and wrong
 * ones — against the real app and worker on a database of its own. A sample runs here;
 * `npm run fuzz -- --requests 10000` runs the full set.
 */

/** SAMPLE_REQUESTS is the sample `npm test` sends (a few seconds). */
const SAMPLE_REQUESTS = 500;

/** SEED makes the sample the same every run; FUZZ_SEED picks another. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_611);

let stack: TestStack;
let world: FuzzWorld;
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  ({ stack, close } = await startIsolatedStack(inject('stack')));
  world = await seedFuzzWorld(stack);
});

afterAll(() => close());

/**
 * refusedWithoutWrite sends `request` (as `authorization`, JSON) and asserts the reply is
 * `status`, problem+json with a known code, and that no table a refusal must not write changed.
 */
async function refusedWithoutWrite(
  request: Omit<FuzzRequest, 'route' | 'headers'> & { authorization: string | undefined },
  status: number,
): Promise<FuzzReply> {
  const census = await TableCensus.create(stack.db);
  const before = await census.take();
  const { authorization, ...rest } = request;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const reply = await sendFuzzRequest(stack, { ...rest, route: 'regression', headers });
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(replyViolations(reply)).toEqual([]);
  expect(censusDiff(before, await census.take())).toEqual([]);
  return reply;
}

/** cursorOf encodes a forged list position as the API's cursors are encoded. */
const cursorOf = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');

describe('when requests the fuzzer found failing are sent again (regressions)', () => {
  const forged: [string, unknown][] = [
    ['/v1/orders', { createdAt: 'abc', id: randomUUID() }],
    ['/v1/orders', { createdAt: '2030-02-30T00:00:00Z', id: randomUUID() }],
    ['/v1/bookings', { createdAt: new Date().toISOString(), id: 'x' }],
    ['/v1/payment-requests', { createdAt: '0000-01-01T00:00:00Z', id: randomUUID() }],
    ['/v1/admin/order-failures', { createdAt: '-797094509', id: randomUUID() }],
    ['/v1/products', { name: 'a', id: 's0x{@bdp[' }],
    ['/v1/products', { name: 'a\u0000b', id: randomUUID() }],
    ['/v1/accounts', { id: 'abc' }],
  ];
  for (const [path, position] of forged) {
    it(`then GET ${path} with the forged cursor ${JSON.stringify(position)} → 422, not 500`, async () => {
      const reply = await refusedWithoutWrite(
        {
          method: 'GET',
          path: `${path}?cursor=${cursorOf(position)}`,
          authorization: world.authorizations.staff,
        },
        422,
      );
      expect((reply.body as { code: string }).code).toBe('validation_failed');
    });
  }

  it('then a refused retainer consumption in a new currency opens no revenue account', async () => {
    const staff = world.authorizations.staff;
    const opened = await sendFuzzRequest(stack, {
      route: 'regression',
      method: 'POST',
      path: '/v1/retainers',
      headers: { authorization: staff!, 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: randomUUID(), initialAmountMinor: 10, currency: 'CHF' }),
    });
    expect(opened.status).toBe(201);
    const retainerId = (opened.body as { id: string }).id;
    const body = JSON.stringify({ amountMinor: 11, description: 'more than it holds' });
    const path = `/v1/retainers/${retainerId}/consume`;
    await refusedWithoutWrite({ method: 'POST', path, body, authorization: staff }, 409);
  });

  it('then a refused booking payment opens no revenue account for the bus operator', async () => {
    const [seatBookingId] = world.pool('booking');
    const usdWalletId = world.pool('account')[2];
    const path = `/v1/bookings/${seatBookingId}/confirm`;
    const body = JSON.stringify({ accountId: usdWalletId });
    const authorization = world.authorizations.customer;
    const reply = await refusedWithoutWrite({ method: 'POST', path, body, authorization }, 422);
    expect((reply.body as { code: string }).code).toBe('currency_mismatch');
  });

  it('then a refused order payment in a new currency opens no revenue account', async () => {
    const buyer = await actor('customer');
    const staffActor = await actor('staff');
    const { productIds } = await seedCatalog(stack, staffActor, {
      products: [{ stock: 5 }],
      currency: 'JPY',
    });
    const headers = { authorization: `Bearer ${buyer.token}`, 'content-type': 'application/json' };
    const placed = await sendFuzzRequest(stack, {
      route: 'regression',
      method: 'POST',
      path: '/v1/orders',
      headers,
      body: JSON.stringify({ lines: [{ productId: productIds[0], quantity: 1 }] }),
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const walletId = (
      await sendFuzzRequest(stack, {
        route: 'regression',
        method: 'POST',
        path: '/v1/accounts',
        headers: { authorization: world.authorizations.staff!, 'content-type': 'application/json' },
        body: JSON.stringify({ ownerId: buyer.sub, kind: 'wallet', currency: 'EUR' }),
      })
    ).body as { id: string };
    const path = `/v1/orders/${(placed.body as { id: string }).id}/pay`;
    const body = JSON.stringify({ accountId: walletId.id });
    await refusedWithoutWrite(
      { method: 'POST', path, body, authorization: headers.authorization },
      422,
    );
  });
});

describe('when the API is sent generated requests', () => {
  let report: FuzzReport;

  beforeAll(async () => {
    report = await runFuzz({
      stack,
      world,
      seed: SEED,
      requests: SAMPLE_REQUESTS,
      violationsMax: 10,
    });
  }, 120_000);

  it(`then none of ${SAMPLE_REQUESTS} breaks a property (no 5xx, problem+json 4xx, no write on refusal)`, () => {
    const shown = report.violations.map((v) => describeViolation(SEED, v)).join('\n');
    expect(report.violations.length, `seed ${SEED}:\n${shown}`).toBe(0);
    expect(report.requests).toBe(SAMPLE_REQUESTS);
  });

  it('then the sample reached every route, and some requests succeeded and some were refused', () => {
    const successes = [...report.byStatus].filter(([status]) => status < 300);
    const refusals = [...report.byStatus].filter(([status]) => status >= 400);
    expect(report.byRoute.size).toBeGreaterThanOrEqual(50);
    expect(successes.reduce((n, [, count]) => n + count, 0)).toBeGreaterThan(20);
    expect(refusals.reduce((n, [, count]) => n + count, 0)).toBeGreaterThan(200);
  });
});
