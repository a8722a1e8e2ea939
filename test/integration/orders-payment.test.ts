import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { balanceOf, countRows, openWallet, seedCatalog, stockOf } from '../helpers/factories';

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

/** placeOne places one order of `quantity` units of a fresh product priced `priceMinor`. */
async function placeOne(
  buyer: Actor,
  input: { priceMinor: number; quantity: number; stock?: number },
) {
  const { productIds } = await seedCatalog(stack, staff, {
    products: [{ stock: input.stock ?? 10, priceMinor: input.priceMinor }],
  });
  const order = expectStatus(
    await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId: productIds[0], quantity: input.quantity }] },
    }),
    201,
  );
  return { order, productId: productIds[0]! };
}

describe('paying for an order', () => {
  it('when 10 pay calls race, then all get 200 with the same paid order and the wallet is debited once', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    const { order } = await placeOne(buyer, { priceMinor: 700, quantity: 2 });

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
          token: buyer.token,
          body: { accountId: walletId },
        }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(results[0]!.body.status).toBe('paid');
    expect(results[0]!.body.paidAt).toEqual(expect.any(String));
    expect(await balanceOf(stack, walletId)).toBe(10_000 - 1_400);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM ledger_transfers WHERE kind = 'order_payment' AND debit_account_id = $1`,
        [walletId],
      ),
    ).toBe(1);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM ledger_transfers WHERE id = $1', [
        `order-${order.id}-payment`,
      ]),
    ).toBe(1);
  });

  it('when the wallet holds too little, then 409 insufficient_funds and nothing moves', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 500);
    const { order, productId } = await placeOne(buyer, { priceMinor: 300, quantity: 2 });

    const refused = await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
      token: buyer.token,
      body: { accountId: walletId },
    });

    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_funds');
    expect(refused.body.availableMinor).toBe(500);
    expect(await balanceOf(stack, walletId)).toBe(500);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM ledger_transfers WHERE debit_account_id = $1`,
        [walletId],
      ),
    ).toBe(0);
    const after = expectStatus(
      await call(stack, 'GET', `/v1/orders/${order.id}`, { token: buyer.token }),
      200,
    );
    expect(after.status).toBe('pending_payment');
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 10, reserved: 2 });

    // A top-up later lets the same order be paid: the failed payment run does not block a retry.
    await call(stack, 'POST', `/v1/accounts/${walletId}/deposits`, {
      token: staff.token,
      body: { amountMinor: 1_000 },
    });
    const paid = await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
      token: buyer.token,
      body: { accountId: walletId },
    });
    expect(paid.status).toBe(200);
    expect(await balanceOf(stack, walletId)).toBe(1_500 - 600);
  });

  it('when a customer pays from someone else’s wallet, then 403 and nothing moves', async () => {
    const [buyer, other] = [await actor('customer'), await actor('customer')];
    const othersWallet = await openWallet(stack, staff, other, 10_000);
    const { order } = await placeOne(buyer, { priceMinor: 100, quantity: 1 });

    const refused = await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
      token: buyer.token,
      body: { accountId: othersWallet },
    });

    expect(refused.status).toBe(403);
    expect(await balanceOf(stack, othersWallet)).toBe(10_000);
  });

  it('when a paid order is cancelled, then the payment is refunded and the stock released', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 5_000);
    const { order, productId } = await placeOne(buyer, { priceMinor: 250, quantity: 4 });
    expectStatus(
      await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
        token: buyer.token,
        body: { accountId: walletId },
      }),
      200,
    );
    expect(await balanceOf(stack, walletId)).toBe(4_000);

    const cancelled = expectStatus(
      await call(stack, 'POST', `/v1/orders/${order.id}/cancel`, { token: buyer.token }),
      200,
    );

    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelledAt).toEqual(expect.any(String));
    expect(cancelled.refundTransferId).toBe(`order-${order.id}-refund`);
    expect(await balanceOf(stack, walletId)).toBe(5_000);
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 10, reserved: 0 });
    const again = await call(stack, 'POST', `/v1/orders/${order.id}/cancel`, {
      token: buyer.token,
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      status: 409,
      code: 'invalid_transition',
      orderStatus: 'cancelled',
      requested: 'cancelled',
    });
    const payAfter = await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
      token: buyer.token,
      body: { accountId: walletId },
    });
    expect(payAfter.status).toBe(409);
    expect(await balanceOf(stack, walletId)).toBe(5_000);
  });

  it('when staff fulfil a paid order, then on-hand and reserved both drop and the order is fulfilled', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 5_000);
    const { order, productId } = await placeOne(buyer, { priceMinor: 100, quantity: 3 });
    const early = await call(stack, 'POST', `/v1/orders/${order.id}/fulfill`, {
      token: staff.token,
    });
    expect(early.status).toBe(409);
    expectStatus(
      await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
        token: buyer.token,
        body: { accountId: walletId },
      }),
      200,
    );

    const fulfilled = expectStatus(
      await call(stack, 'POST', `/v1/orders/${order.id}/fulfill`, { token: staff.token }),
      200,
    );

    expect(fulfilled.status).toBe('fulfilled');
    expect(fulfilled.fulfilledAt).toEqual(expect.any(String));
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 7, reserved: 0 });
    const byCustomer = await call(stack, 'POST', `/v1/orders/${order.id}/fulfill`, {
      token: buyer.token,
    });
    expect(byCustomer.status).toBe(403);
    const cancelLate = await call(stack, 'POST', `/v1/orders/${order.id}/cancel`, {
      token: staff.token,
    });
    expect(cancelLate.status).toBe(409);
  });

  it('when an order is placed with pay, then it comes back paid in one call', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 1_000);
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 5, priceMinor: 200 }],
    });

    const placed = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId: productIds[0], quantity: 2 }], pay: { accountId: walletId } },
    });

    expect(placed.status).toBe(201);
    expect(placed.body.status).toBe('paid');
    expect(await balanceOf(stack, walletId)).toBe(600);
  });
});
