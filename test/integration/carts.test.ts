import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { countRows, seedCatalog } from '../helpers/factories';

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

/** fillCart sets the buyer's cart lines with PUT, one [productId, quantity] pair each. */
async function fillCart(buyer: Actor, lines: [string, number][]): Promise<void> {
  for (const [productId, quantity] of lines) {
    expectStatus(
      await call(stack, 'PUT', `/v1/cart/items/${productId}`, {
        token: buyer.token,
        body: { quantity },
      }),
      200,
    );
  }
}

describe('carts', () => {
  it('when 20 concurrent +1 adds race, then the cart holds 20', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 1 }] });
    const buyer = await actor('customer');

    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(stack, 'POST', '/v1/cart/items', {
          token: buyer.token,
          body: { productId: productIds[0], quantity: 1 },
        }),
      ),
    );

    expect(results.every((r) => r.status === 200)).toBe(true);
    const cart = expectStatus(await call(stack, 'GET', '/v1/cart', { token: buyer.token }), 200);
    expect(cart.items).toEqual([{ productId: productIds[0], quantity: 20 }]);
  });

  it('when a cart line is set to 0, then it is removed', async () => {
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 10 }, { stock: 10 }],
    });
    const buyer = await actor('customer');
    await fillCart(buyer, [
      [productIds[0]!, 3],
      [productIds[1]!, 2],
    ]);

    const cart = expectStatus(
      await call(stack, 'PUT', `/v1/cart/items/${productIds[1]}`, {
        token: buyer.token,
        body: { quantity: 0 },
      }),
      200,
    );

    expect(cart.items).toEqual([{ productId: productIds[0], quantity: 3 }]);
  });

  it('when a customer orders fromCart, then the order takes the cart lines and the cart is emptied of them', async () => {
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 10 }, { stock: 10 }],
    });
    const buyer = await actor('customer');
    await fillCart(buyer, [
      [productIds[0]!, 3],
      [productIds[1]!, 2],
    ]);

    const order = expectStatus(
      await call(stack, 'POST', '/v1/orders', { token: buyer.token, body: { fromCart: true } }),
      201,
    );

    expect(order.lines.map((l: { quantity: number }) => l.quantity).sort()).toEqual([2, 3]);
    expect(
      expectStatus(await call(stack, 'GET', '/v1/cart', { token: buyer.token }), 200).items,
    ).toEqual([]);
    const again = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { fromCart: true },
    });
    expect([again.status, again.body.code]).toEqual([422, 'validation_failed']);
  });

  it('when a fromCart order is refused for stock, then the cart keeps its lines', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 1 }] });
    const buyer = await actor('customer');
    await call(stack, 'PUT', `/v1/cart/items/${productIds[0]}`, {
      token: buyer.token,
      body: { quantity: 2 },
    });

    const refused = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { fromCart: true },
    });

    expect(refused.status).toBe(409);
    expect(
      expectStatus(await call(stack, 'GET', '/v1/cart', { token: buyer.token }), 200).items,
    ).toEqual([{ productId: productIds[0], quantity: 2 }]);
  });

  it('when a seller is suspended, then its products leave the cart read (kept stored) and come back once it is approved again', async () => {
    const kept = await seedCatalog(stack, staff, { products: [{ stock: 10 }] });
    const hidden = await seedCatalog(stack, staff, { products: [{ stock: 10 }] });
    const buyer = await actor('customer');
    await fillCart(buyer, [
      [kept.productIds[0]!, 1],
      [hidden.productIds[0]!, 4],
    ]);
    const readCart = async () =>
      expectStatus(await call(stack, 'GET', '/v1/cart', { token: buyer.token }), 200).items;
    const sellerAction = async (action: 'suspend' | 'approve') =>
      expectStatus(
        await call(stack, 'POST', `/v1/sellers/${hidden.sellerId}/${action}`, {
          token: staff.token,
        }),
        200,
        action,
      );

    await sellerAction('suspend');
    const whileSuspended = await readCart();
    await sellerAction('approve');
    const afterApproval = await readCart();

    expect(whileSuspended).toEqual([{ productId: kept.productIds[0], quantity: 1 }]);
    expect(
      await countRows(
        stack,
        'SELECT count(*) AS n FROM cart_items WHERE customer_id = $1 AND product_id = $2',
        [buyer.sub, hidden.productIds[0]],
      ),
    ).toBe(1);
    expect(afterApproval).toEqual(
      [
        { productId: kept.productIds[0], quantity: 1 },
        { productId: hidden.productIds[0], quantity: 4 },
      ].sort((a, b) => (a.productId! < b.productId! ? -1 : 1)),
    );
  });
});
