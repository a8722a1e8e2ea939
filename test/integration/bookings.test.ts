import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import {
  balanceOf,
  countRows,
  expectLedgerConsistent,
  openWallet,
  waitFor,
} from '../helpers/factories';
import { daysFromToday, nightsOf, seatsOf, seedBus, seedHotel } from '../helpers/travel';

/*
 * The booking lifecycle on the real stack (SPEC.md §6): confirm, cancel with refund, expiry
 * and completion by workflow timers, soft delete. A 1.5 s hold TTL keeps the timers short.
 */

const HOLD_TTL_MS = 1_500;
let stack: TestStack;
/** longHold is the same stack with a 60 s hold, for flows that must not race the timer. */
let longHold: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack({ bookingHoldTtlMs: HOLD_TTL_MS });
  longHold = await useStack({ bookingHoldTtlMs: 60_000 });
  staff = await actor('staff');
});

/** holdSeats places a seat booking as `buyer` and returns it (201 expected). */
async function holdSeats(buyer: Actor, scheduleId: string, seats: number[]) {
  return expectStatus(
    await call(stack, 'POST', '/v1/bookings', { token: buyer.token, body: { scheduleId, seats } }),
    201,
  );
}

/** bookingTransfers counts the payment and refund transfers of a booking. */
async function bookingTransfers(bookingId: string) {
  const count = (suffix: string) =>
    countRows(stack, 'SELECT count(*) AS n FROM ledger_transfers WHERE id = $1', [
      `booking-${bookingId}-${suffix}`,
    ]);
  return { payments: await count('payment'), refunds: await count('refund') };
}

describe('confirming a booking', () => {
  it('when 10 confirms race, then all get 200 with one confirmed booking, one debit, and the seats booked', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(longHold, staff, buyer, 10_000);
    const { scheduleId } = await seedBus(longHold, staff, { seatCount: 10, priceMinor: 1_200 });
    const booking = expectStatus(
      await call(longHold, 'POST', '/v1/bookings', {
        token: buyer.token,
        body: { scheduleId, seats: [3, 4] },
      }),
      201,
    );

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(longHold, 'POST', `/v1/bookings/${booking.id}/confirm`, {
          token: buyer.token,
          body: { accountId: walletId },
        }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(results[0]!.body).toMatchObject({ status: 'confirmed', amountMinor: 2_400 });
    expect(results[0]!.body.confirmedAt).toEqual(expect.any(String));
    expect(await balanceOf(longHold, walletId)).toBe(10_000 - 2_400);
    expect(await bookingTransfers(booking.id)).toEqual({ payments: 1, refunds: 0 });
    const seats = await seatsOf(longHold, scheduleId);
    expect([seats.get(3)!.status, seats.get(4)!.status]).toEqual(['booked', 'booked']);
    await expectLedgerConsistent(longHold);
  });

  it('when the wallet holds too little, then 409 insufficient_funds, nothing is debited and the hold stays until its timer', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 100);
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 5, priceMinor: 1_000 });
    const booking = await holdSeats(buyer, scheduleId, [1]);

    const refused = await call(stack, 'POST', `/v1/bookings/${booking.id}/confirm`, {
      token: buyer.token,
      body: { accountId: walletId },
    });

    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_funds');
    expect(await balanceOf(stack, walletId)).toBe(100);
    expect((await seatsOf(stack, scheduleId)).get(1)!.status).toBe('held');
    const expired = await waitFor(
      async () =>
        (await call(stack, 'GET', `/v1/bookings/${booking.id}`, { token: buyer.token })).body
          .status === 'expired',
      15_000,
    );
    expect(expired).toBe(true);
    expect((await seatsOf(stack, scheduleId)).get(1)).toEqual({ status: 'free', bookingId: null });
    await expectLedgerConsistent(stack);
  });

  it('when confirm races the hold timer, then each booking ends either confirmed and paid or expired and unpaid, never both', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 100_000);
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 20, priceMinor: 500 });
    const bookings = [];
    for (let seat = 1; seat <= 6; seat += 1)
      bookings.push(await holdSeats(buyer, scheduleId, [seat]));
    await new Promise((resolve) => setTimeout(resolve, HOLD_TTL_MS - 300));

    const answers = await Promise.all(
      bookings.map((b) =>
        call(stack, 'POST', `/v1/bookings/${b.id}/confirm`, {
          token: buyer.token,
          body: { accountId: walletId },
        }),
      ),
    );

    for (const [i, answer] of answers.entries()) {
      const id = bookings[i]!.id;
      expect([200, 409]).toContain(answer.status);
      if (answer.status === 409) expect(answer.body.code).toBe('booking_expired');
      await waitFor(
        async () =>
          ['confirmed', 'expired'].includes(
            (await call(stack, 'GET', `/v1/bookings/${id}`, { token: buyer.token })).body.status,
          ),
        15_000,
      );
      const final = (await call(stack, 'GET', `/v1/bookings/${id}`, { token: buyer.token })).body;
      const transfers = await bookingTransfers(id);
      expect(final.status).toBe(answer.status === 200 ? 'confirmed' : 'expired');
      expect(transfers.payments).toBe(final.status === 'confirmed' ? 1 : 0);
    }
    const paid = answers.filter((a) => a.status === 200).length;
    expect(await balanceOf(stack, walletId)).toBe(100_000 - paid * 500);
    await expectLedgerConsistent(stack);
  });
});

describe('cancelling a booking', () => {
  it('when a confirmed booking is cancelled by 5 concurrent calls, then one 200, four 409, the seats return and the refund is posted once', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(longHold, staff, buyer, 5_000);
    const { scheduleId } = await seedBus(longHold, staff, { seatCount: 4, priceMinor: 800 });
    const booking = expectStatus(
      await call(longHold, 'POST', '/v1/bookings', {
        token: buyer.token,
        body: { scheduleId, seats: [2] },
      }),
      201,
    );
    expectStatus(
      await call(longHold, 'POST', `/v1/bookings/${booking.id}/confirm`, {
        token: buyer.token,
        body: { accountId: walletId },
      }),
      200,
    );

    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(longHold, 'POST', `/v1/bookings/${booking.id}/cancel`, { token: buyer.token }),
      ),
    );

    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    const cancelled = results.find((r) => r.status === 200)!.body;
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(cancelled.cancelledAt).toEqual(expect.any(String));
    expect(cancelled.refundTransferId).toBe(`booking-${booking.id}-refund`);
    for (const r of results.filter((x) => x.status === 409))
      expect(r.body.code).toBe('invalid_transition');
    expect(await balanceOf(longHold, walletId)).toBe(5_000);
    expect(await bookingTransfers(booking.id)).toEqual({ payments: 1, refunds: 1 });
    expect((await seatsOf(longHold, scheduleId)).get(2)).toEqual({
      status: 'free',
      bookingId: null,
    });
    await expectLedgerConsistent(longHold);
  });

  it('when another customer cancels or reads a booking, then 404 and nothing changes', async () => {
    const [buyer, other] = [await actor('customer'), await actor('customer')];
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 4 });
    const booking = await holdSeats(buyer, scheduleId, [1]);

    const cancel = await call(stack, 'POST', `/v1/bookings/${booking.id}/cancel`, {
      token: other.token,
    });
    const read = await call(stack, 'GET', `/v1/bookings/${booking.id}`, { token: other.token });

    expect([cancel.status, read.status]).toEqual([404, 404]);
    expect((await seatsOf(stack, scheduleId)).get(1)!.status).toBe('held');
  });
});

describe('stays, completion and soft delete', () => {
  it('when a stay is reserved, confirmed and cancelled, then its nights go held → booked → free and the money returns', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(longHold, staff, buyer, 100_000);
    const { roomTypeId } = await seedHotel(longHold, staff, {
      unitsPerNight: 2,
      priceMinor: 7_000,
    });
    const [checkIn, checkOut] = [daysFromToday(20), daysFromToday(23)];
    const stay = expectStatus(
      await call(longHold, 'POST', '/v1/stays', {
        token: buyer.token,
        body: { roomTypeId, checkIn, checkOut },
      }),
      201,
    );
    expect(stay).toMatchObject({
      kind: 'stay',
      status: 'reserved',
      nights: 3,
      amountMinor: 21_000,
    });
    expect((await nightsOf(longHold, roomTypeId, checkIn, checkOut)).map((n) => n.held)).toEqual([
      1, 1, 1,
    ]);

    expectStatus(
      await call(longHold, 'POST', `/v1/bookings/${stay.id}/confirm`, {
        token: buyer.token,
        body: { accountId: walletId },
      }),
      200,
    );
    const booked = await nightsOf(longHold, roomTypeId, checkIn, checkOut);
    expect(booked.map((n) => [n.held, n.booked])).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    expectStatus(
      await call(longHold, 'POST', `/v1/bookings/${stay.id}/cancel`, { token: staff.token }),
      200,
    );

    const freed = await nightsOf(longHold, roomTypeId, checkIn, checkOut);
    expect(freed.map((n) => n.held + n.booked)).toEqual([0, 0, 0]);
    expect(await balanceOf(longHold, walletId)).toBe(100_000);
    await expectLedgerConsistent(longHold);
  });

  it('when a confirmed bus trip arrives, then its timer stamps it completed; staff may then soft-delete it and it leaves the lists', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 5_000);
    const { scheduleId } = await seedBus(stack, staff, {
      seatCount: 4,
      priceMinor: 300,
      departsInMs: 2_000,
      durationMs: 1_500,
    });
    const booking = await holdSeats(buyer, scheduleId, [1]);
    const reservedDelete = await call(stack, 'DELETE', `/v1/bookings/${booking.id}`, {
      token: staff.token,
    });
    expect(reservedDelete.status).toBe(409);
    expect(reservedDelete.body.code).toBe('invalid_transition');
    expectStatus(
      await call(stack, 'POST', `/v1/bookings/${booking.id}/confirm`, {
        token: buyer.token,
        body: { accountId: walletId },
      }),
      200,
    );

    const completed = await waitFor(
      async () =>
        (await call(stack, 'GET', `/v1/bookings/${booking.id}`, { token: buyer.token })).body
          .status === 'completed',
      15_000,
    );

    expect(completed).toBe(true);
    const done = expectStatus(
      await call(stack, 'GET', `/v1/bookings/${booking.id}`, { token: buyer.token }),
      200,
    );
    expect(Date.parse(done.completedAt)).toBeGreaterThanOrEqual(Date.parse(done.endsAt));
    expect((await seatsOf(stack, scheduleId)).get(1)!.status).toBe('booked');
    const deleted = expectStatus(
      await call(stack, 'DELETE', `/v1/bookings/${booking.id}`, { token: staff.token }),
      200,
    );
    expect(deleted.deletedAt).toEqual(expect.any(String));
    const list = expectStatus(
      await call(stack, 'GET', '/v1/bookings', { token: buyer.token }),
      200,
    );
    expect(list.items.map((b: { id: string }) => b.id)).not.toContain(booking.id);
    expect(
      (await call(stack, 'GET', `/v1/bookings/${booking.id}`, { token: buyer.token })).status,
    ).toBe(404);
    expect(await bookingTransfers(booking.id)).toEqual({ payments: 1, refunds: 0 });
    await expectLedgerConsistent(stack);
  });
});
