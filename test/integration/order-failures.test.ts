import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { insertOrderFailure } from '../../db/order-failures';
import { execute, query } from '../../db/transaction';
import type { AllowanceBalanceView } from '../../domain/allowances';
import type { OrderFailureRecord } from '../../domain/order-failures';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';

/*
 * The failed-attempt audit's staff API (SPEC.md §8): rows written by insertOrderFailure (as
 * the order gate writes them), listed newest first and paged, and analytics computed in SQL.
 * Other test files share the database, so every assertion is on this file's own customers;
 * rows are never older than 10 days, so a concurrent retention cleanup leaves them alone.
 */

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

/** record is a refused submission of `customerId` without a balance, with `overrides`. */
function record(
  customerId: string,
  overrides: Partial<OrderFailureRecord> = {},
): OrderFailureRecord {
  return {
    customerId,
    actorId: customerId,
    orderId: null,
    code: 'throttled',
    httpStatus: 429,
    detail: 'At most 3 submissions a minute',
    errors: [],
    cart: { lines: [{ productId: randomUUID(), quantity: 1 }] },
    cartHash: null,
    idempotencyKey: null,
    paymentMethod: 'wallet',
    balance: null,
    ip: null,
    userAgent: null,
    ...overrides,
  };
}

/**
 * insertAged writes `count` minimal failure rows of `customerId` with `code`, created `ageDays`
 * days (and `ageMs` milliseconds) before now, straight in SQL (only UPDATE is refused).
 */
async function insertAged(input: {
  customerId: string;
  code: string;
  ageDays: number;
  count?: number;
  ageMs?: number;
}): Promise<void> {
  await execute(
    stack.db,
    `INSERT INTO order_failures (id, customer_id, actor_id, code, http_status, detail, cart, created_at)
     SELECT gen_random_uuid(), $1, $1, $2, 409, 'refused', '{}'::jsonb,
            now() - make_interval(days => $3::int) - ($4::int * interval '1 millisecond')
     FROM generate_series(1, $5::int)`,
    [input.customerId, input.code, input.ageDays, input.ageMs ?? 0, input.count ?? 1],
  );
}

/** insertOrders writes `count` inert (cancelled, lineless) orders of `customerId`, `ageDays` old. */
async function insertOrders(customerId: string, ageDays: number, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const id = randomUUID();
    await execute(
      stack.db,
      `WITH t AS (SELECT now() - make_interval(days => $3::int) AS at)
       INSERT INTO orders (id, customer_id, status, payment_method, total_minor, currency,
         workflow_id, reserved_at, expires_at, cancelled_at, created_at)
       SELECT $1, $2, 'cancelled', 'wallet', 0, 'EUR', $4, at, at, at, at FROM t`,
      [id, customerId, ageDays, `order-${id}`],
    );
  }
}

/** utcDate is the UTC calendar date `daysAgo` days before today, as YYYY-MM-DD. */
function utcDate(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/** list reads GET /v1/admin/order-failures as staff with `query`. */
async function list(queryString: string) {
  return expectStatus(
    await call(stack, 'GET', `/v1/admin/order-failures?${queryString}`, { token: staff.token }),
    200,
  );
}

/** analytics reads GET /v1/admin/order-failures/analytics as staff with `query`. */
async function analytics(queryString: string) {
  return expectStatus(
    await call(stack, 'GET', `/v1/admin/order-failures/analytics?${queryString}`, {
      token: staff.token,
    }),
    200,
  );
}

describe('recording a refused submission', () => {
  it('when the gate records an allowance refusal with its balance, then staff read back every field', async () => {
    const customerId = randomUUID();
    const actorId = randomUUID();
    const balance: AllowanceBalanceView = {
      customerId,
      programId: randomUUID(),
      currency: 'EUR',
      period: { startsAt: '2025-01-01T00:00:00.000Z', endsAt: '2025-02-01T00:00:00.000Z' },
      allowanceMinor: 10_000,
      spentMinor: 8_000,
      fullBalanceMinor: 2_000,
      availableBalanceMinor: 5_000,
      multiplier: 1.3,
      pause: {
        name: 'Winter break',
        multiplier: 1.25,
        startsAt: '2025-01-10T00:00:00.000Z',
        endsAt: '2025-01-20T00:00:00.000Z',
      },
      vouchers: { multiplier: 1.04, count: 2 },
      categories: [
        {
          category: 'hygiene',
          limitMinor: 3_000,
          spentMinor: 2_500,
          fullBalanceMinor: 500,
          availableBalanceMinor: 1_400,
        },
      ],
    };
    const refused = record(customerId, {
      actorId,
      orderId: randomUUID(),
      code: 'insufficient_allowance',
      httpStatus: 409,
      detail: 'Available 5000, needed 7000',
      errors: [{ code: 'insufficient_allowance', message: 'needs 2000 more' }],
      cartHash: 'sha256:abc',
      idempotencyKey: 'key-1',
      paymentMethod: 'allowance',
      balance,
      ip: '203.0.113.7',
      userAgent: 'test-agent/1.0',
    });
    const plain = record(customerId);

    const id = await insertOrderFailure(stack.db, refused);
    const plainId = await insertOrderFailure(stack.db, plain);

    const { items } = await list(`customerId=${customerId}`);
    expect(items.map((item: { id: string }) => item.id).sort()).toEqual([id, plainId].sort());
    const read = items.find((item: { id: string }) => item.id === id);
    expect(read).toEqual({
      id,
      customerId,
      actorId,
      orderId: refused.orderId,
      code: 'insufficient_allowance',
      httpStatus: 409,
      detail: 'Available 5000, needed 7000',
      errors: [{ code: 'insufficient_allowance', message: 'needs 2000 more' }],
      cart: refused.cart,
      cartHash: 'sha256:abc',
      idempotencyKey: 'key-1',
      paymentMethod: 'allowance',
      balances: {
        fullBalanceMinor: 2_000,
        availableBalanceMinor: 5_000,
        categories: balance.categories,
      },
      pause: { active: true, name: 'Winter break', multiplier: 1.25 },
      vouchers: { multiplier: 1.04, count: 2 },
      ip: '203.0.113.7',
      userAgent: 'test-agent/1.0',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const readPlain = items.find((item: { id: string }) => item.id === plainId);
    expect(readPlain).toMatchObject({
      code: 'throttled',
      httpStatus: 429,
      balances: null,
      pause: { active: false, name: null, multiplier: null },
      vouchers: { multiplier: null, count: 0 },
    });
  });

  it('when anything tries to UPDATE an audit row, then the database refuses and the row stays as written', async () => {
    const id = await insertOrderFailure(stack.db, record(randomUUID()));

    await expect(
      execute(stack.db, `UPDATE order_failures SET detail = 'rewritten' WHERE id = $1`, [id]),
    ).rejects.toThrow(/append-only/);

    const [row] = await query<{ detail: string }>(
      stack.db,
      'SELECT detail FROM order_failures WHERE id = $1',
      [id],
    );
    expect(row!.detail).toBe('At most 3 submissions a minute');
  });
});

describe('GET /v1/admin/order-failures', () => {
  it('when staff page through one customer, then newest first, ties by id, every row once, and no other customer', async () => {
    const customerId = randomUUID();
    const other = randomUUID();
    for (let index = 0; index < 3; index += 1) {
      await insertAged({ customerId, code: 'backoff', ageDays: 0, ageMs: 60_000 * (index + 1) });
    }
    // Two rows of the same instant: the cursor must not lose one between pages.
    await insertAged({ customerId, code: 'throttled', ageDays: 0, ageMs: 30_000, count: 2 });
    await insertAged({ customerId: other, code: 'throttled', ageDays: 0 });
    const expected = await query<{ id: string }>(
      stack.db,
      `SELECT id FROM order_failures WHERE customer_id = $1
       ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC`,
      [customerId],
    );

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    for (let pageIndex = 0; pageIndex < 5; pageIndex += 1) {
      const cursorParam: string = cursor ? `&cursor=${cursor}` : '';
      const page = await list(`customerId=${customerId}&limit=2${cursorParam}`);
      seen.push(...page.items.map((item: { id: string }) => item.id));
      pageSizes.push(page.items.length);
      for (const item of page.items) expect(item.customerId).toBe(customerId);
      cursor = page.nextCursor;
      if (!cursor) break;
    }

    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(expected.map((row) => row.id));
    const unfiltered = await list('limit=50');
    const times = unfiltered.items.map((item: { createdAt: string }) => item.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('when a customer, an operator or nobody asks, then 403, 403 and 401', async () => {
    const customer = await actor('customer');
    const operator = await actor('operator', randomUUID());

    for (const path of ['/v1/admin/order-failures', '/v1/admin/order-failures/analytics']) {
      const asCustomer = await call(stack, 'GET', path, { token: customer.token });
      const asOperator = await call(stack, 'GET', path, { token: operator.token });
      const anonymous = await call(stack, 'GET', path);

      expect([asCustomer.status, asOperator.status, anonymous.status]).toEqual([403, 403, 401]);
      expect(asCustomer.body.code).toBe('forbidden');
      expect(anonymous.body.code).toBe('unauthorized');
    }
  });

  it('when the query is bad, then 422 validation_failed naming the parameter', async () => {
    const cases: [string, string][] = [
      ['/v1/admin/order-failures?limit=500', 'limit'],
      ['/v1/admin/order-failures?limit=0', 'limit'],
      ['/v1/admin/order-failures?customerId=not-a-uuid', 'customerId'],
      ['/v1/admin/order-failures?cursor=bm90LW91cnM', 'cursor'],
      ['/v1/admin/order-failures/analytics?days=0', 'days'],
      ['/v1/admin/order-failures/analytics?days=abc', 'days'],
      ['/v1/admin/order-failures/analytics?days=366', 'days'],
      ['/v1/admin/order-failures/analytics?days=2.5', 'days'],
      ['/v1/admin/order-failures/analytics?customerId=42', 'customerId'],
    ];

    for (const [path, parameter] of cases) {
      const result = await call(stack, 'GET', path, { token: staff.token });

      expect(result.status, path).toBe(422);
      expect(result.body.code, path).toBe('validation_failed');
      expect(
        result.body.errors.map((error: { path: string }) => error.path),
        path,
      ).toContainEqual(expect.stringContaining(parameter));
    }
  });
});

describe('GET /v1/admin/order-failures/analytics', () => {
  it('when one customer has failures and orders over ten days, then the 7-day and 10-day numbers match them', async () => {
    const customerId = randomUUID();
    await insertAged({ customerId, code: 'insufficient_allowance', ageDays: 0, count: 2 });
    await insertAged({ customerId, code: 'throttled', ageDays: 0 });
    await insertAged({ customerId, code: 'category_limit_exceeded', ageDays: 2 });
    await insertAged({ customerId, code: 'validation_failed', ageDays: 2, count: 3 });
    await insertAged({ customerId, code: 'insufficient_funds', ageDays: 5 });
    await insertAged({ customerId, code: 'backoff', ageDays: 5 });
    await insertAged({ customerId, code: 'throttled', ageDays: 8, count: 4 });
    await insertOrders(customerId, 0, 1);
    await insertOrders(customerId, 3, 2);
    await insertOrders(customerId, 9, 1);

    const week = await analytics(`days=7&customerId=${customerId}`);
    const tenDays = await analytics(`days=10&customerId=${customerId}`);

    expect(week).toEqual({
      days: 7,
      since: `${utcDate(6)}T00:00:00.000Z`,
      customerId,
      attempts: 12,
      failures: 9,
      failureRate: 0.75,
      topErrors: [
        { code: 'validation_failed', count: 3 },
        { code: 'insufficient_allowance', count: 2 },
        { code: 'backoff', count: 1 },
        { code: 'category_limit_exceeded', count: 1 },
        { code: 'insufficient_funds', count: 1 },
        { code: 'throttled', count: 1 },
      ],
      daily: [6, 5, 4, 3, 2, 1, 0].map((daysAgo) => ({
        date: utcDate(daysAgo),
        failures: { 5: 2, 2: 4, 0: 3 }[daysAgo] ?? 0,
      })),
      topCustomers: [{ customerId, failures: 9 }],
      balanceRelatedFailures: 4,
    });
    expect(tenDays).toMatchObject({
      days: 10,
      attempts: 17,
      failures: 13,
      failureRate: 0.7647,
      topCustomers: [{ customerId, failures: 13 }],
      balanceRelatedFailures: 4,
    });
    expect(tenDays.topErrors[0]).toEqual({ code: 'throttled', count: 5 });
    expect(tenDays.daily).toHaveLength(10);
    expect(tenDays.daily[1]).toEqual({ date: utcDate(8), failures: 4 });
  });

  it('when a customer has no attempts, then zeros, an empty top list and one zero entry per day (default 7)', async () => {
    const customerId = randomUUID();

    const result = await analytics(`customerId=${customerId}`);

    expect(result).toMatchObject({
      days: 7,
      attempts: 0,
      failures: 0,
      failureRate: 0,
      topErrors: [],
      topCustomers: [],
      balanceRelatedFailures: 0,
    });
    expect(result.daily).toEqual(
      [6, 5, 4, 3, 2, 1, 0].map((daysAgo) => ({ date: utcDate(daysAgo), failures: 0 })),
    );
  });

  it('when eleven customers lead by far, then the unfiltered top customers are the ten largest, ties by customer id', async () => {
    // Counts far above what any other test file's customer collects, so the top ten are ours.
    const counts = [712, 710, 710, 706, 705, 704, 703, 702, 701, 701, 701];
    const customers = counts.map((count) => ({ customerId: randomUUID(), count }));
    for (const { customerId, count } of customers) {
      await insertAged({ customerId, code: 'throttled', ageDays: 1, count });
    }
    const expected = [...customers]
      .sort((a, b) => b.count - a.count || (a.customerId < b.customerId ? -1 : 1))
      .slice(0, 10)
      .map(({ customerId, count }) => ({ customerId, failures: count }));

    const result = await analytics('days=2');

    expect(result.customerId).toBeNull();
    expect(result.topCustomers).toEqual(expected);
    expect(result.failures).toBeGreaterThanOrEqual(counts.reduce((sum, n) => sum + n, 0));
    expect(result.daily.map((day: { date: string }) => day.date)).toEqual([utcDate(1), utcDate(0)]);
  });
});
