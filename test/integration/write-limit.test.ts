import { beforeAll, describe, expect, it } from 'vitest';
import { countRows, seedCatalog } from '../helpers/factories';
import {
  actor,
  call,
  expectStatus,
  useStack,
  type Actor,
  type ApiResult,
  type TestStack,
} from '../helpers/stack';
import { seedBus } from '../helpers/travel';

/*
 * The write limit (SPEC.md §10): WRITES_PER_MINUTE state-changing requests per customer and
 * per operator outside POST /v1/orders, staff unlimited, 429 throttled with Retry-After and
 * the RateLimit headers, one count in PostgreSQL shared by every API replica. The apps here
 * allow 5 writes a minute; two of them on one database stand for two replicas.
 */

const WRITES_PER_MINUTE = 5;
let replicaA: TestStack;
let replicaB: TestStack;
let staff: Actor;
let productId: string;

beforeAll(async () => {
  replicaA = await useStack({ writesPerMinute: WRITES_PER_MINUTE });
  replicaB = await useStack({ writesPerMinute: WRITES_PER_MINUTE });
  staff = await actor('staff');
  ({
    productIds: [productId!],
  } = await seedCatalog(replicaA, staff, { products: [{ stock: 1_000 }] }));
});

/** addToCart is one customer write: POST /v1/cart/items through `on`. */
function addToCart(on: TestStack, customer: Actor, key?: string): Promise<ApiResult> {
  return call(on, 'POST', '/v1/cart/items', {
    token: customer.token,
    body: { productId, quantity: 1 },
    ...(key ? { key } : {}),
  });
}

/** expectThrottled checks one 429 throttled with Retry-After in (0, 60] and the RateLimit headers. */
function expectThrottled(result: ApiResult): void {
  expect(result.status).toBe(429);
  expect(result.body).toMatchObject({ code: 'throttled', status: 429 });
  const retryAfter = Number(result.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(result.body.retryAfterSeconds).toBe(retryAfter);
  expect(result.headers.get('ratelimit-policy')).toBe(`"writes";q=${WRITES_PER_MINUTE};w=60`);
  expect(result.headers.get('ratelimit')).toBe(`"writes";r=0;t=${retryAfter}`);
}

describe('writes per minute', () => {
  it('when a customer sends WRITES_PER_MINUTE + 3 writes at once, then exactly 3 get 429 throttled with Retry-After and the RateLimit headers', async () => {
    const customer = await actor('customer');

    const results = await Promise.all(
      Array.from({ length: WRITES_PER_MINUTE + 3 }, () => addToCart(replicaA, customer)),
    );

    const answered = results.filter((r) => r.status === 200);
    const throttled = results.filter((r) => r.status === 429);
    expect(answered).toHaveLength(WRITES_PER_MINUTE);
    expect(throttled).toHaveLength(3);
    throttled.forEach(expectThrottled);
    const remaining = answered.map((r) => /;r=(\d+);/.exec(r.headers.get('ratelimit') ?? '')?.[1]);
    expect(remaining.sort()).toEqual(['0', '1', '2', '3', '4']);
    const cart = expectStatus(
      await call(replicaA, 'GET', '/v1/cart', { token: customer.token }),
      200,
    );
    expect(cart.items[0].quantity).toBe(WRITES_PER_MINUTE);
  });

  it('when two API replicas share one database, then their writes count against one limit', async () => {
    const customer = await actor('customer');

    const results = await Promise.all(
      Array.from({ length: WRITES_PER_MINUTE + 3 }, (_, i) =>
        addToCart(i % 2 === 0 ? replicaA : replicaB, customer),
      ),
    );

    expect(results.filter((r) => r.status === 200)).toHaveLength(WRITES_PER_MINUTE);
    results.filter((r) => r.status !== 200).forEach(expectThrottled);
  });

  it('when staff send more writes than the limit, then none is throttled', async () => {
    const results = await Promise.all(
      Array.from({ length: WRITES_PER_MINUTE + 3 }, (_, i) =>
        call(replicaA, 'POST', '/v1/sellers', {
          token: staff.token,
          body: { name: `staff write ${i} ${staff.sub}`, kind: 'merchant' },
        }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(Array(WRITES_PER_MINUTE + 3).fill(201));
    expect(results.every((r) => r.headers.get('ratelimit') === null)).toBe(true);
  });

  it('when an operator sends more writes than the limit, then the ones past it are throttled', async () => {
    const { sellerId } = await seedBus(replicaA, staff, { seatCount: 4 });
    const operator = await actor('operator', sellerId);
    const departsAt = Date.now() + 7 * 86_400_000;
    const schedule = () =>
      call(replicaB, 'POST', '/v1/schedules', {
        token: operator.token,
        body: {
          sellerId,
          origin: 'Lisbon',
          destination: 'Faro',
          departsAt: new Date(departsAt).toISOString(),
          arrivesAt: new Date(departsAt + 3_600_000).toISOString(),
          seatCount: 4,
          priceMinor: 900,
          currency: 'EUR',
        },
      });

    const results = await Promise.all(Array.from({ length: WRITES_PER_MINUTE + 1 }, schedule));

    expect(results.filter((r) => r.status === 201)).toHaveLength(WRITES_PER_MINUTE);
    results.filter((r) => r.status !== 201).forEach(expectThrottled);
  });
});

describe('what the limit leaves alone, and what it does not', () => {
  it('when the limit is spent, then reads pass, POST /v1/orders is left to the order gate, and cancelling an order is throttled', async () => {
    const customer = await actor('customer');
    for (let i = 0; i < WRITES_PER_MINUTE; i += 1)
      expectStatus(await addToCart(replicaA, customer), 200);

    const read = await call(replicaA, 'GET', '/v1/cart', { token: customer.token });
    const order = await call(replicaA, 'POST', '/v1/orders', {
      token: customer.token,
      body: { lines: [{ productId, quantity: 1 }] },
    });
    const placed = expectStatus(order, 201, 'order through the gate');
    const cancel = await call(replicaA, 'POST', `/v1/orders/${placed.id}/cancel`, {
      token: customer.token,
    });

    expect(read.status).toBe(200);
    expect(order.headers.get('ratelimit-policy')).toMatch(/^"orders";/);
    expectThrottled(cancel);
  });

  it('when a keyed write is throttled, then its Idempotency-Key is not claimed', async () => {
    const customer = await actor('customer');
    for (let i = 0; i < WRITES_PER_MINUTE; i += 1)
      expectStatus(await addToCart(replicaA, customer), 200);

    const refused = await addToCart(replicaA, customer, 'throttled-key-1');

    expectThrottled(refused);
    const keys = await countRows(
      replicaA,
      'SELECT count(*) AS n FROM idempotency_keys WHERE subject = $1 AND key = $2',
      [customer.sub, 'throttled-key-1'],
    );
    expect(keys).toBe(0);
  });
});
