import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute, query } from '../../db/transaction';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { seedCatalog } from '../helpers/factories';
import { explainOf, planNodes, type PlanNode } from '../../tools/explain';
import { listBookings } from '../../db/bookings';
import { searchProducts } from '../../db/catalog';
import { listOrderFailures } from '../../db/order-failures';
import { listOrders } from '../../db/orders';
import { listPaymentRequests } from '../../db/payment-requests';
import { searchSchedules } from '../../db/travel';

/*
 * Read paths (issue 18 item 15): lists page by an instant their index serves, with a cursor
 * that names each row's exact position; product search uses the trigram indexes; and a read
 * that cannot finish within READ_STATEMENT_TIMEOUT gives its pool connection back and answers
 * 503 instead of holding it until the request's own timeout.
 */

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

/**
 * insertOrdersAt writes inert (cancelled, lineless) orders of `customerId`, one per instant in
 * `instants` (ISO-8601 with microseconds, as PostgreSQL could have stamped them).
 */
async function insertOrdersAt(customerId: string, instants: string[]): Promise<void> {
  await execute(
    stack.db,
    `INSERT INTO orders (id, customer_id, status, payment_method, total_minor, currency,
       workflow_id, reserved_at, expires_at, cancelled_at, created_at)
     SELECT id, $1, 'cancelled', 'wallet', 0, 'EUR', 'order-' || id, at, at, at, at
     FROM (SELECT gen_random_uuid() AS id, at::timestamptz AS at FROM unnest($2::text[]) AS at) t`,
    [customerId, instants],
  );
}

/** pageThrough follows nextCursor from `path` (which has `limit`) and returns each page. */
async function pageThrough(
  path: string,
  token: string,
): Promise<{ id: string; createdAt: string }[][]> {
  const pages: { id: string; createdAt: string }[][] = [];
  let cursor: string | null = null;
  for (let pageIndex = 0; pageIndex < 20; pageIndex += 1) {
    const cursorParam: string = cursor ? `&cursor=${cursor}` : '';
    const page = expectStatus(await call(stack, 'GET', `${path}${cursorParam}`, { token }), 200);
    pages.push(page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return pages;
}

describe('newest-first lists page by exact instants', () => {
  it('when many orders fall in one millisecond (microseconds apart), then paging returns each once, newest first, ties by id', async () => {
    const customerId = randomUUID();
    // Seven orders in one millisecond, microseconds apart (two at the same microsecond), one
    // just before and one just after it: a cursor that carried milliseconds while the order
    // used microseconds lost rows of that millisecond between pages.
    const sameMs = [100, 150, 200, 200, 250, 300, 400].map(
      (us) => `2001-02-03T04:05:06.123${String(us).padStart(3, '0')}Z`,
    );
    await insertOrdersAt(customerId, [
      '2001-02-03T04:05:06.122400Z',
      ...sameMs,
      '2001-02-03T04:05:06.124100Z',
    ]);
    const expected = await query<{ id: string }>(
      stack.db,
      `SELECT id FROM orders WHERE customer_id = $1
       ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC`,
      [customerId],
    );

    const pages = await pageThrough(`/v1/orders?customerId=${customerId}&limit=2`, staff.token);
    const items = pages.flat();

    expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 2, 1]);
    expect(items.map((item) => item.id)).toEqual(expected.map((row) => row.id));
    expect(new Set(items.map((item) => item.createdAt))).toEqual(
      new Set(['2001-02-03T04:05:06.124Z', '2001-02-03T04:05:06.123Z', '2001-02-03T04:05:06.122Z']),
    );
  });

  it('then every instant a cursor carries is stored to the millisecond, as the cursor writes it', async () => {
    const columns = await query<{ name: string; precision: number }>(
      stack.db,
      `SELECT table_name || '.' || column_name AS name, datetime_precision AS precision
       FROM information_schema.columns
       WHERE (table_name, column_name) IN (('orders', 'created_at'), ('bookings', 'created_at'),
         ('payment_requests', 'created_at'), ('order_failures', 'created_at'),
         ('bus_schedules', 'departs_at'))
       ORDER BY 1`,
    );

    expect(columns).toEqual(
      [
        'bookings.created_at',
        'bus_schedules.departs_at',
        'order_failures.created_at',
        'orders.created_at',
        'payment_requests.created_at',
      ].map((name) => ({ name, precision: 3 })),
    );
  });
});

/** sortsIn says whether a plan sorts rows itself (a Sort or Incremental Sort node). */
function sortsIn(nodes: PlanNode[]): string[] {
  return nodes.map((node) => node['Node Type']).filter((type) => /Sort/.test(type));
}

describe('list plans', () => {
  const after = { createdAt: '2001-02-03T04:05:06.123Z', id: randomUUID() };
  const customerId = randomUUID();
  const lists: [string, (db: TestStack['db']) => Promise<unknown>][] = [
    ['staff order list', (db) => listOrders(db, { limit: 50 })],
    ['next page of the staff order list', (db) => listOrders(db, { limit: 50, after })],
    ["customer's order list", (db) => listOrders(db, { customerId, limit: 50, after })],
    ['booking list', (db) => listBookings(db, { limit: 50, after })],
    ["customer's booking list", (db) => listBookings(db, { customerId, limit: 50, after })],
    ['payment request list', (db) => listPaymentRequests(db, { limit: 50, after })],
    [
      'payment request list by status',
      (db) => listPaymentRequests(db, { status: 'pending_approval', limit: 50, after }),
    ],
    ['order failure list', (db) => listOrderFailures(db, { limit: 50, after })],
    [
      "customer's order failure list",
      (db) => listOrderFailures(db, { customerId, limit: 50, after }),
    ],
    ['catalogue', (db) => searchProducts(db, { limit: 50, after: { name: 'm', id: after.id } })],
    ['catalogue of one category', (db) => searchProducts(db, { category: 'books', limit: 50 })],
    [
      'schedule search on one route',
      (db) =>
        searchSchedules(db, {
          origin: 'Lyon',
          destination: 'Paris',
          limit: 50,
          after: { departsAt: after.createdAt, id: after.id },
        }),
    ],
  ];

  it.each(lists)(
    'when the %s is read, then an index serves its order: its plan sorts nothing',
    async (_name, read) => {
      // With sorts and sequential scans priced out, the planner still sorts when no index
      // gives the order; on a small table it would prefer a sort anyway.
      const plan = await explainOf(stack.db, read, { enable_seqscan: 'off', enable_sort: 'off' });

      expect(sortsIn(planNodes(plan))).toEqual([]);
    },
  );

  it('when products are searched by text, then the trigram indexes on name and SKU serve it', async () => {
    const plan = await explainOf(
      stack.db,
      (db) => searchProducts(db, { q: 'lamp-7f3a', limit: 50 }),
      // Plain index scans priced out too: the (name, id) index could otherwise walk the whole
      // catalogue in order, filtering, which a tiny test table makes look cheap.
      { enable_seqscan: 'off', enable_indexscan: 'off' },
    );

    const indexes = planNodes(plan)
      .map((node) => node['Index Name'])
      .filter(Boolean);
    expect(indexes).toEqual(
      expect.arrayContaining(['products_name_trgm_idx', 'products_sku_trgm_idx']),
    );
  });

  it('when products are searched by part of a name or SKU, then the matches page in name order', async () => {
    const marker = `trgm${randomUUID().slice(0, 8)}`;
    const { productIds } = await seedCatalog(stack, staff, {
      products: [
        { stock: 1, name: `B ${marker} lamp` },
        { stock: 1, name: `A ${marker.toUpperCase()} desk` },
        { stock: 1, name: 'C unrelated' },
      ],
    });
    const buyer = await actor('customer');

    const byName = expectStatus(
      await call(stack, 'GET', `/v1/products?q=${marker.slice(2)}&limit=1`, { token: buyer.token }),
      200,
    );
    const rest = expectStatus(
      await call(
        stack,
        'GET',
        `/v1/products?q=${marker.slice(2)}&limit=1&cursor=${byName.nextCursor}`,
        { token: buyer.token },
      ),
      200,
    );

    expect([...byName.items, ...rest.items].map((p: { id: string }) => p.id)).toEqual([
      productIds[1],
      productIds[0],
    ]);
  });
});

describe('a read that cannot finish in time', () => {
  let slow: TestStack;

  beforeAll(async () => {
    // A read timeout far below the request's: the read must end on its own, not with the request.
    slow = await useStack({ readStatementTimeoutMs: 300, requestTimeoutMs: 5_000 });
  });

  it('when a search waits on a table lock past READ_STATEMENT_TIMEOUT, then 503 unavailable and its pool connection is free again', async () => {
    const buyer = await actor('customer');
    const locker = new pg.Client({ connectionString: slow.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query(`SET lock_timeout = '10s'`);
      await locker.query('BEGIN');
      // A migration's ALTER TABLE holds this lock; every read of products waits behind it.
      await locker.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');

      const answer = await call(slow, 'GET', '/v1/products?q=anything', { token: buyer.token });
      const pool = (slow.db.sequelize.connectionManager as unknown as { pool: { using: number } })
        .pool;
      const inUse = pool.using;
      await locker.query('ROLLBACK');

      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('unavailable');
      expect(inUse).toBe(0);
    } finally {
      await locker.end();
    }
  });
});
