import { beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../db/transaction';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { balanceOf, countRows, openWallet, seedCatalog } from '../helpers/factories';
import { seedBus } from '../helpers/travel';

/*
 * Deadlines are facts, not timers (SPEC.md §10): an order or a booking whose stored `expiresAt`
 * has passed is refused payment in the transaction, even while its expiry timer has not fired.
 * The timers here run for an hour; the test moves the stored deadline into the past, as a late
 * timer (a worker backlog, an outage) would leave it.
 */

const TIMER_MS = 60 * 60_000;
let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack({ orderPaymentTtlMs: TIMER_MS, bookingHoldTtlMs: TIMER_MS });
  staff = await actor('staff');
});

/** pastDeadline moves a row's stored expires_at one second into the past. */
async function pastDeadline(table: 'orders' | 'bookings', id: string): Promise<void> {
  await execute(
    stack.db,
    `UPDATE ${table} SET expires_at = now() - interval '1 second' WHERE id = $1`,
    [id],
  );
}

describe('deadlines are facts', () => {
  it('when an order is paid after its expiresAt while its timer has not fired, then 409 order_expired and nothing is debited', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 5, priceMinor: 800 }],
    });
    const order = expectStatus(
      await call(stack, 'POST', '/v1/orders', {
        token: buyer.token,
        body: { lines: [{ productId: productIds[0], quantity: 1 }] },
      }),
      201,
    );
    await pastDeadline('orders', order.id);

    const late = await call(stack, 'POST', `/v1/orders/${order.id}/pay`, {
      token: buyer.token,
      body: { accountId: walletId },
    });

    expect(late.status).toBe(409);
    expect(late.body.code).toBe('order_expired');
    expect(await balanceOf(stack, walletId)).toBe(10_000);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM ledger_transfers WHERE id = $1', [
        `order-${order.id}-payment`,
      ]),
    ).toBe(0);
  });

  it('when a booking is confirmed after its expiresAt while its timer has not fired, then 409 booking_expired and nothing is debited', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 4, priceMinor: 900 });
    const booking = expectStatus(
      await call(stack, 'POST', '/v1/bookings', {
        token: buyer.token,
        body: { scheduleId, seats: [2] },
      }),
      201,
    );
    await pastDeadline('bookings', booking.id);

    const late = await call(stack, 'POST', `/v1/bookings/${booking.id}/confirm`, {
      token: buyer.token,
      body: { accountId: walletId },
    });

    expect(late.status).toBe(409);
    expect(late.body.code).toBe('booking_expired');
    expect(await balanceOf(stack, walletId)).toBe(10_000);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM ledger_transfers WHERE id = $1', [
        `booking-${booking.id}-payment`,
      ]),
    ).toBe(0);
  });
});
