import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../db/transaction';
import { seedCatalog, stockOf, waitFor } from '../helpers/factories';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';

/*
 * `{fromCart:true}` orders on the real stack (SPEC.md §3, §4): the API reads the cart before
 * the customer's gate, and the placement takes exactly the ordered quantities out of it, so a
 * cart update that lands between the two is never lost.
 */

/**
 * PLACEMENT_WAIT_MS bounds how long the test waits for the placement to queue behind the held
 * product row. The gate's answer and the request may take as long (ORDER_GATE_TIMEOUT and
 * REQUEST_TIMEOUT are raised to it): with the defaults, a worker slowed by the rest of the
 * suite reached the gate after the API's 15 s, and the gate rightly refused the late
 * submission instead of placing it.
 */
const PLACEMENT_WAIT_MS = 90_000;

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack({
    orderGateTimeoutMs: PLACEMENT_WAIT_MS,
    requestTimeoutMs: PLACEMENT_WAIT_MS + 15_000,
  });
  staff = await actor('staff');
});

/** cartLine reads one cart line's quantity straight from SQL (null when there is none). */
async function cartLine(buyer: Actor, productId: string): Promise<number | null> {
  const [row] = await query<{ quantity: number }>(
    stack.db,
    'SELECT quantity FROM cart_items WHERE customer_id = $1 AND product_id = $2',
    [buyer.sub, productId],
  );
  return row?.quantity ?? null;
}

/**
 * holdProduct locks a product row FOR UPDATE in a session of its own, as a slow placement
 * would: a placement of that product waits behind it, a cart add does not (it locks only its
 * cart line). `waiters` counts the sessions waiting on this one; `release` commits.
 */
async function holdProduct(productId: string) {
  const client = new pg.Client({ connectionString: stack.config.databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT id FROM products WHERE id = $1 FOR UPDATE', [productId]);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const pid = rows[0]!.pid;
  return {
    async waiters(): Promise<number> {
      const result = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
        [pid],
      );
      return Number(result.rows[0]!.n);
    },
    async release(): Promise<void> {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

describe('ordering from the cart', () => {
  it(
    'when a +1 lands after the API read the cart but before the placement, then the order takes the 2 it read and the cart keeps the 1',
    async () => {
      const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 10 }] });
      const productId = productIds[0]!;
      const buyer = await actor('customer');
      const add = (quantity: number) =>
        call(stack, 'POST', '/v1/cart/items', {
          token: buyer.token,
          body: { productId, quantity },
        });
      expectStatus(await add(2), 200);
      const lock = await holdProduct(productId);

      // The API reads the cart (2), then the placement waits on the held product row.
      const ordering = call(stack, 'POST', '/v1/orders', {
        token: buyer.token,
        body: { fromCart: true },
      });
      let placementWaiting: boolean;
      let added: Awaited<ReturnType<typeof add>>;
      try {
        // An answer before the placement queued would mean it never reached the lock: say which.
        const answeredEarly = ordering.then((answer) => {
          throw new Error(
            `answered ${answer.status} before queueing: ${JSON.stringify(answer.body)}`,
          );
        });
        answeredEarly.catch(() => undefined);
        placementWaiting = await Promise.race([
          waitFor(async () => (await lock.waiters()) > 0, PLACEMENT_WAIT_MS),
          answeredEarly,
        ]);
        added = await add(1);
      } finally {
        await lock.release();
      }
      const ordered = await ordering;

      expect(placementWaiting).toBe(true);
      expect(added.status).toBe(200);
      expect(ordered.status).toBe(201);
      expect(ordered.body.lines).toEqual([expect.objectContaining({ productId, quantity: 2 })]);
      expect(await cartLine(buyer, productId)).toBe(1);
      expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 10, reserved: 2 });
    },
    2 * PLACEMENT_WAIT_MS,
  );

  it('when an order of explicit lines is placed, then the cart is left alone; a fromCart order then removes the lines it used up', async () => {
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 10 }, { stock: 10 }],
    });
    const [first, second] = productIds as [string, string];
    const buyer = await actor('customer');
    for (const productId of [first, second]) {
      expectStatus(
        await call(stack, 'PUT', `/v1/cart/items/${productId}`, {
          token: buyer.token,
          body: { quantity: 3 },
        }),
        200,
      );
    }

    const explicit = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId: first, quantity: 1 }] },
    });
    const cartAfterExplicit = await cartLine(buyer, first);
    const fromCart = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { fromCart: true },
    });

    expect(explicit.status).toBe(201);
    expect(cartAfterExplicit).toBe(3);
    expect(fromCart.status).toBe(201);
    expect(fromCart.body.lines.map((l: { quantity: number }) => l.quantity)).toEqual([3, 3]);
    expect(await cartLine(buyer, first)).toBeNull();
    expect(await cartLine(buyer, second)).toBeNull();
  });
});
