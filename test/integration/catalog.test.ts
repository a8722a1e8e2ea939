import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { countRows, seedCatalog, stockOf } from '../helpers/factories';

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

describe('catalog visibility', () => {
  it('when a seller is not approved, then its products are invisible in search and get, and unorderable', async () => {
    const marker = `hidden-${Date.now()}`;
    const { sellerId, productIds } = await seedCatalog(stack, staff, {
      approved: false,
      products: [{ stock: 5, name: `${marker} lamp` }],
    });
    const productId = productIds[0]!;
    const buyer = await actor('customer');

    const search = expectStatus(
      await call(stack, 'GET', `/v1/products?q=${marker}`, { token: buyer.token }),
      200,
    );
    const get = await call(stack, 'GET', `/v1/products/${productId}`, { token: buyer.token });
    const order = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId, quantity: 1 }] },
    });
    const cart = await call(stack, 'POST', '/v1/cart/items', {
      token: buyer.token,
      body: { productId, quantity: 1 },
    });

    expect(search.items).toEqual([]);
    expect(get.status).toBe(404);
    expect(order.status).toBe(422);
    expect(order.body.errors).toEqual([
      { path: 'lines.0.productId', message: `unknown product ${productId}` },
    ]);
    expect(cart.status).toBe(422);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        buyer.sub,
      ]),
    ).toBe(0);
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 5, reserved: 0 });

    expectStatus(
      await call(stack, 'POST', `/v1/sellers/${sellerId}/approve`, { token: staff.token }),
      200,
    );
    const visible = expectStatus(
      await call(stack, 'GET', `/v1/products?q=${marker}`, { token: buyer.token }),
      200,
    );
    expect(visible.items.map((p: { id: string }) => p.id)).toEqual([productId]);
    expect(visible.items[0]).toMatchObject({ available: 5, priceMinor: 100, currency: 'EUR' });

    const suspended = expectStatus(
      await call(stack, 'POST', `/v1/sellers/${sellerId}/suspend`, { token: staff.token }),
      200,
    );
    expect(suspended.suspendedAt).toEqual(expect.any(String));
    expect(
      (await call(stack, 'GET', `/v1/products/${productId}`, { token: buyer.token })).status,
    ).toBe(404);
  });

  it('when products are searched by category with a small limit, then pages follow nextCursor', async () => {
    const category = `cat-${Date.now()}`;
    await seedCatalog(stack, staff, {
      products: [1, 2, 3, 4, 5].map((n) => ({ stock: n, category, name: `item ${n}` })),
    });
    const buyer = await actor('customer');

    const first = expectStatus(
      await call(stack, 'GET', `/v1/products?category=${category}&limit=2`, { token: buyer.token }),
      200,
    );
    const second = expectStatus(
      await call(
        stack,
        'GET',
        `/v1/products?category=${category}&limit=2&cursor=${first.nextCursor}`,
        { token: buyer.token },
      ),
      200,
    );
    const third = expectStatus(
      await call(
        stack,
        'GET',
        `/v1/products?category=${category}&limit=2&cursor=${second.nextCursor}`,
        { token: buyer.token },
      ),
      200,
    );

    expect(
      [...first.items, ...second.items, ...third.items].map((p: { name: string }) => p.name),
    ).toEqual(['item 1', 'item 2', 'item 3', 'item 4', 'item 5']);
    expect(third.nextCursor).toBeNull();
  });

  it('when staff restock, then on-hand grows and a restock movement is written', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 2 }] });

    const stock = expectStatus(
      await call(stack, 'POST', `/v1/products/${productIds[0]}/restock`, {
        token: staff.token,
        body: { quantity: 8 },
      }),
      200,
    );

    expect(stock).toEqual({ stockOnHand: 10, reserved: 0, available: 10 });
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM stock_movements WHERE product_id = $1 AND reason = 'restock' AND on_hand_delta = 8`,
        [productIds[0]],
      ),
    ).toBe(1);
  });

  it('when a seller reuses a SKU, then 409 sku_taken', async () => {
    const { sellerId } = await seedCatalog(stack, staff, { products: [] });
    const body = { sellerId, sku: 'DUP-1', name: 'one', priceMinor: 1, currency: 'EUR', stock: 1 };
    expectStatus(await call(stack, 'POST', '/v1/products', { token: staff.token, body }), 201);

    const dup = await call(stack, 'POST', '/v1/products', {
      token: staff.token,
      body: { ...body, name: 'two' },
    });

    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('sku_taken');
  });

  it('when an operator adds a product, then only for their own seller', async () => {
    const { sellerId } = await seedCatalog(stack, staff, { products: [] });
    const { sellerId: otherSellerId } = await seedCatalog(stack, staff, { products: [] });
    const operator = await actor('operator', sellerId);
    const body = {
      sku: `OP-${Date.now()}`,
      name: 'op item',
      priceMinor: 1,
      currency: 'EUR',
      stock: 1,
    };

    expect(
      (
        await call(stack, 'POST', '/v1/products', {
          token: operator.token,
          body: { ...body, sellerId },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(stack, 'POST', '/v1/products', {
          token: operator.token,
          body: { ...body, sellerId: otherSellerId },
        })
      ).status,
    ).toBe(403);
  });
});
