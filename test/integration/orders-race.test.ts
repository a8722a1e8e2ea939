import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, useStack, type Actor, type TestStack } from '../helpers/stack';
import { countRows, seedCatalog, stockOf } from '../helpers/factories';

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

describe('when buyers race for scarce stock', () => {
  it('then 20 buyers of a product with stock 5 get exactly 5 × 201 and 15 × 409, and 5 are reserved', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 5 }] });
    const [productId] = productIds as [string];
    const buyers = await Promise.all(Array.from({ length: 20 }, () => actor('customer')));

    const results = await Promise.all(
      buyers.map((buyer) =>
        call(stack, 'POST', '/v1/orders', {
          token: buyer.token,
          body: { lines: [{ productId, quantity: 1 }] },
        }),
      ),
    );

    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    for (const refused of results.filter((r) => r.status === 409)) {
      expect(refused.body.code).toBe('insufficient_stock');
      expect(refused.body.lines).toEqual([{ productId, requested: 1, available: 0 }]);
    }
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 5, reserved: 5 });
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM order_lines WHERE product_id = $1', [
        productId,
      ]),
    ).toBe(5);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM stock_movements WHERE product_id = $1 AND reason = 'reserve'`,
        [productId],
      ),
    ).toBe(5);
  });

  it('then 30 buyers of multi-line carts in random line order over 3 products never deadlock or oversell', async () => {
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 12 }, { stock: 9 }, { stock: 15 }],
    });
    const buyers = await Promise.all(Array.from({ length: 30 }, () => actor('customer')));
    const carts = buyers.map((_, i) => {
      const lines = productIds.map((productId, j) => ({ productId, quantity: 1 + ((i + j) % 2) }));
      // A deterministic shuffle: every buyer lists the lines in a different order.
      return lines.sort(
        (a, b) => (a.productId.charCodeAt(i % 30) ^ i) - (b.productId.charCodeAt(i % 30) ^ i),
      );
    });

    const results = await Promise.all(
      buyers.map((buyer, i) =>
        call(stack, 'POST', '/v1/orders', { token: buyer.token, body: { lines: carts[i] } }),
      ),
    );

    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const placed = results.filter((r) => r.status === 201).length;
    expect(placed).toBeGreaterThan(0);
    for (const [index, productId] of productIds.entries()) {
      const { stockOnHand, reserved } = await stockOf(stack, productId);
      const ordered = await countRows(
        stack,
        'SELECT COALESCE(sum(quantity), 0) AS n FROM order_lines WHERE product_id = $1',
        [productId],
      );
      expect(reserved).toBe(ordered);
      expect(reserved).toBeLessThanOrEqual(stockOnHand);
      expect(stockOnHand).toBe([12, 9, 15][index]);
    }
    // All or nothing: every placed order has all three lines.
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM order_lines WHERE product_id = ANY($1::uuid[])`,
        [productIds],
      ),
    ).toBe(placed * 3);
  });

  it('then repeated lines for one product are summed before the stock check', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 3 }] });
    const [productId] = productIds as [string];
    const buyer = await actor('customer');

    const refused = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: {
        lines: [
          { productId, quantity: 2 },
          { productId, quantity: 2 },
        ],
      },
    });

    expect(refused.status).toBe(409);
    expect(refused.body.lines).toEqual([{ productId, requested: 4, available: 3 }]);
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 3, reserved: 0 });
  });

  it('then the placed order it answers is exactly the order GET reads, lines summed and sorted', async () => {
    const { productIds } = await seedCatalog(stack, staff, {
      products: [
        { stock: 5, priceMinor: 250 },
        { stock: 5, priceMinor: 1_000 },
      ],
    });
    const [first, second] = productIds as [string, string];
    const buyer = await actor('customer');

    const placed = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: {
        lines: [
          { productId: second, quantity: 1 },
          { productId: first, quantity: 1 },
          { productId: second, quantity: 2 },
        ],
      },
    });
    const read = await call(stack, 'GET', `/v1/orders/${placed.body.id}`, { token: buyer.token });

    expect(placed.status).toBe(201);
    expect(read.body).toEqual(placed.body);
    expect(placed.body.totalMinor).toBe(250 + 3 * 1_000);
    expect(placed.body.lines.map((l: { productId: string }) => l.productId)).toEqual(
      [first, second].sort(),
    );
  });
});
