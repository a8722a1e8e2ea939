import { randomUUID } from 'node:crypto';
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

describe('how an order workflow writes its expiry and its cancel', () => {
  it('when an order expires or is cancelled, then the write is a local activity in the workflow task that asked for it: no activity task, and the run ends in the task after its timer or Update', async () => {
    const stack = await useStack({ orderPaymentTtlMs: 2_000 });
    const [staff, buyer] = [await actor('staff'), await actor('customer')];
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 4 }] });
    const place = async () =>
      expectStatus<{ id: string; workflowId: string }>(
        await call(stack, 'POST', '/v1/orders', {
          token: buyer.token,
          key: randomUUID(),
          body: { lines: [{ productId: productIds[0]!, quantity: 1 }] },
        }),
        201,
      );
    const [expiring, cancelled] = [await place(), await place()];
    expectStatus(
      await call(stack, 'POST', `/v1/orders/${cancelled.id}/cancel`, { token: buyer.token }),
      200,
    );

    const histories = await Promise.all(
      [expiring, cancelled].map(async (order) => {
        const handle = stack.temporal.workflow.getHandle(order.workflowId);
        await handle.result();
        const events = (await handle.fetchHistory()).events!;
        return {
          activityTasks: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
          markers: events.filter((e) => e.markerRecordedEventAttributes).length,
          workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
        };
      }),
    );

    for (const history of histories) {
      expect(history.activityTasks).toBe(0);
      // The patch marker and the write's local-activity marker.
      expect(history.markers).toBeGreaterThanOrEqual(2);
      expect(history.workflowTasks).toBe(2);
    }
  });
});
