import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../db/transaction';
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

  it('when a customer pays from someone else’s wallet, then 404 exactly as for a missing account, and nothing moves', async () => {
    const [buyer, other] = [await actor('customer'), await actor('customer')];
    const othersWallet = await openWallet(stack, staff, other, 10_000);
    const { order } = await placeOne(buyer, { priceMinor: 100, quantity: 1 });
    const payFrom = (accountId: string) =>
      call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
        token: buyer.token,
        body: { accountId },
      });

    const someoneElses = await payFrom(othersWallet);
    const missing = await payFrom(randomUUID());

    expect(someoneElses.status).toBe(404);
    expect(someoneElses.body.code).toBe('not_found');
    expect(JSON.stringify(someoneElses.body)).not.toContain(othersWallet);
    expect(someoneElses.body).toEqual(missing.body);
    expect(await balanceOf(stack, othersWallet)).toBe(10_000);
    const after = expectStatus(
      await call(stack, 'GET', `/v1/orders/${order.id}`, { token: buyer.token }),
      200,
    );
    expect(after.status).toBe('pending_payment');
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

  it('when 5 pays and 5 cancels race, then each is 200 or 409 invalid_transition, one cancel wins and the wallet and stock are whole', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 5_000);
    const { order, productId } = await placeOne(buyer, { priceMinor: 250, quantity: 4 });
    const send = (action: 'pay' | 'cancel') =>
      call(stack, 'POST', `/v1/orders/${order.id}/${action}`, {
        token: buyer.token,
        ...(action === 'pay' ? { body: { accountId: walletId } } : {}),
      });

    const actions = [
      'pay',
      'cancel',
      'pay',
      'cancel',
      'pay',
      'cancel',
      'pay',
      'cancel',
      'pay',
      'cancel',
    ];
    const results = await Promise.all(actions.map((action) => send(action as 'pay' | 'cancel')));

    for (const result of results.filter((r) => r.status !== 200))
      expect(result.body).toMatchObject({ status: 409, code: 'invalid_transition' });
    const wins = results.filter((r) => r.status === 200).map((r) => r.body.status);
    expect(wins.filter((status) => status === 'cancelled')).toHaveLength(1);
    expect(wins.every((status) => status === 'cancelled' || status === 'paid')).toBe(true);
    const read = expectStatus(
      await call(stack, 'GET', `/v1/orders/${order.id}`, { token: buyer.token }),
      200,
    );
    expect(read.status).toBe('cancelled');
    expect(await balanceOf(stack, walletId)).toBe(5_000);
    expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 10, reserved: 0 });
    const payments = await countRows(
      stack,
      'SELECT count(*) AS n FROM ledger_transfers WHERE id = $1',
      [`order-${order.id}-payment`],
    );
    const refunds = await countRows(
      stack,
      'SELECT count(*) AS n FROM ledger_transfers WHERE id = $1',
      [`order-${order.id}-refund`],
    );
    expect(refunds).toBe(payments);
    expect(payments).toBeLessThanOrEqual(1);
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

  it('when an order is placed with pay, then it comes back paid in one call, by the transfer order-<id>-payment', async () => {
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
    expect(placed.body).toMatchObject({
      status: 'paid',
      paymentAccountId: walletId,
      paymentTransferId: `order-${placed.body.id}-payment`,
    });
    expect(placed.body.paidAt).toEqual(expect.any(String));
    expect(await balanceOf(stack, walletId)).toBe(600);
    expect(await stockOf(stack, productIds[0]!)).toEqual({ stockOnHand: 5, reserved: 2 });
    const again = expectStatus(
      await call(stack, 'POST', `/v1/orders/${placed.body.id}/pay`, {
        token: buyer.token,
        body: { accountId: walletId },
      }),
      200,
    );
    expect(again.status).toBe('paid');
    expect(await balanceOf(stack, walletId)).toBe(600);
  });
});

describe('paying at placement is part of the decision', () => {
  it('when the wallet holds too little, then 409 insufficient_funds, no order, no reservation, nothing debited, and one audit row', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 500);
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 5, priceMinor: 600 }],
    });
    const productId = productIds[0]!;

    const refused = await placeWithPay(buyer, productId, { accountId: walletId });

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'insufficient_funds', availableMinor: 500 });
    await expectNothingPlaced(buyer, productId, 5);
    expect(await balanceOf(stack, walletId)).toBe(500);
    expect(await failureCodes(buyer)).toEqual(['insufficient_funds']);
    const [audit] = await query<{ cart: unknown }>(
      stack.db,
      'SELECT cart FROM order_failures WHERE customer_id = $1',
      [buyer.sub],
    );
    expect(audit!.cart).toMatchObject({ pay: { accountId: walletId } });
  });

  it('when pay names someone else’s wallet, then 404 as for a missing account, nothing placed, and one audit row each', async () => {
    const [buyer, prober, other] = [
      await actor('customer'),
      await actor('customer'),
      await actor('customer'),
    ];
    const othersWallet = await openWallet(stack, staff, other, 10_000);
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 5, priceMinor: 100 }],
    });
    const productId = productIds[0]!;

    const someoneElses = await placeWithPay(buyer, productId, { accountId: othersWallet });
    const missing = await placeWithPay(prober, productId, { accountId: randomUUID() });

    expect(someoneElses.status).toBe(404);
    expect(someoneElses.body.code).toBe('not_found');
    expect(JSON.stringify(someoneElses.body)).not.toContain(othersWallet);
    expect(someoneElses.body).toEqual(missing.body);
    await expectNothingPlaced(buyer, productId, 5);
    await expectNothingPlaced(prober, productId, 5);
    expect(await balanceOf(stack, othersWallet)).toBe(10_000);
    expect(await failureCodes(buyer)).toEqual(['not_found']);
    expect(await failureCodes(prober)).toEqual(['not_found']);
  });

  it('when pay names a wallet in another currency, or none for a wallet order, then 422 and nothing placed', async () => {
    const [buyer, other] = [await actor('customer'), await actor('customer')];
    const dollars = await openWallet(stack, staff, buyer, 10_000, 'USD');
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 5, priceMinor: 100 }],
    });
    const productId = productIds[0]!;

    const mismatch = await placeWithPay(buyer, productId, { accountId: dollars });
    const noAccount = await placeWithPay(other, productId, {});

    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('currency_mismatch');
    expect(noAccount.status).toBe(422);
    expect(noAccount.body.code).toBe('validation_failed');
    expect(noAccount.body.errors).toEqual([
      { path: 'pay.accountId', message: expect.stringContaining('accountId') },
    ]);
    await expectNothingPlaced(buyer, productId, 5);
    await expectNothingPlaced(other, productId, 5);
    expect(await balanceOf(stack, dollars)).toBe(10_000);
    expect(await failureCodes(buyer)).toEqual(['currency_mismatch']);
    expect(await failureCodes(other)).toEqual(['validation_failed']);
  });
});

/** placeWithPay places one unit of `productId` for `buyer`, paid at once with `pay`. */
function placeWithPay(buyer: Actor, productId: string, pay: { accountId?: string }) {
  return call(stack, 'POST', '/v1/orders', {
    token: buyer.token,
    body: { lines: [{ productId, quantity: 1 }], pay },
  });
}

/** expectNothingPlaced checks in SQL that `buyer` has no order and the product no reservation. */
async function expectNothingPlaced(buyer: Actor, productId: string, stock: number) {
  expect(
    await countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [buyer.sub]),
  ).toBe(0);
  expect(await stockOf(stack, productId)).toEqual({ stockOnHand: stock, reserved: 0 });
}

/** failureCodes lists the codes of `buyer`'s order_failures rows, oldest first. */
async function failureCodes(buyer: Actor): Promise<string[]> {
  const rows = await query<{ code: string }>(
    stack.db,
    'SELECT code FROM order_failures WHERE customer_id = $1 ORDER BY created_at',
    [buyer.sub],
  );
  return rows.map((r) => r.code);
}
