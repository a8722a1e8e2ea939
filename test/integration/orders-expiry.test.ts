import { describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack } from '../helpers/stack';
import { openWallet, seedCatalog, stockOf, waitFor } from '../helpers/factories';

describe('when an order is not paid within ORDER_PAYMENT_TTL', () => {
  it('then the workflow timer expires it after 2 s and releases its stock', async () => {
    const stack = await useStack({ orderPaymentTtlMs: 2_000 });
    const [staff, buyer] = [await actor('staff'), await actor('customer')];
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 4 }] });
    const productId = productIds[0]!;
    const order = expectStatus(
      await call(stack, 'POST', '/v1/orders', {
        token: buyer.token,
        body: { lines: [{ productId, quantity: 3 }] },
      }),
      201,
    );
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 4, reserved: 3 });

    const expired = await waitFor(
      async () =>
        (await call(stack, 'GET', `/v1/orders/${order.id}`, { token: buyer.token })).body.status ===
        'expired',
      20_000,
    );

    expect(expired).toBe(true);
    const after = expectStatus(
      await call(stack, 'GET', `/v1/orders/${order.id}`, { token: buyer.token }),
      200,
    );
    expect(after.expiredAt).toEqual(expect.any(String));
    expect(Date.parse(after.expiredAt) - Date.parse(after.reservedAt)).toBeGreaterThanOrEqual(
      1_900,
    );
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 4, reserved: 0 });
    const late = await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
      token: buyer.token,
      body: { accountId: walletId },
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('order_expired');
  });
});
