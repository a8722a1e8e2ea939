import { beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../db/transaction';
import { openWallet } from '../helpers/factories';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { daysFromToday, seatsOf, seedBus, seedHotel } from '../helpers/travel';

/*
 * The holding limit (SPEC.md §10): a customer's unconfirmed bookings hold at most
 * BOOKING_HELD_UNITS_MAX (the test worker runs the default, 10) seats plus room-nights at
 * once; a placement past it → 429 hold_limit with Retry-After, checked inside the placement
 * transaction under the customer's lock.
 */

/** HELD_UNITS_MAX is the worker's BOOKING_HELD_UNITS_MAX (its default). */
const HELD_UNITS_MAX = 10;
/** SHORT_HOLD_MS is the hold TTL of the expiry story. */
const SHORT_HOLD_MS = 2_000;

let stack: TestStack;
let shortHold: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack({ bookingHoldTtlMs: 60_000 });
  shortHold = await useStack({ bookingHoldTtlMs: SHORT_HOLD_MS });
  staff = await actor('staff');
});

/** hold asks for `seats` on `scheduleId` as `buyer` through `on` (default: the 60 s stack). */
function hold(buyer: Actor, scheduleId: string, seats: number[], on: TestStack = stack) {
  return call(on, 'POST', '/v1/bookings', { token: buyer.token, body: { scheduleId, seats } });
}

/** heldUnitsInSql counts what `customerId`'s reserved bookings hold, straight from SQL. */
async function heldUnitsInSql(customerId: string): Promise<number> {
  const [row] = await query<{ units: string }>(
    stack.db,
    `SELECT COALESCE(SUM(COALESCE(cardinality(seat_numbers), check_out - check_in)), 0) AS units
     FROM bookings WHERE customer_id = $1 AND status = 'reserved'`,
    [customerId],
  );
  return Number(row!.units);
}

/** expectHoldLimit checks one 429 hold_limit: problem+json, Retry-After in [1, ttl]. */
function expectHoldLimit(
  result: { status: number; body: any; headers: Headers },
  ttlSeconds: number,
): void {
  expect(result.status).toBe(429);
  expect(result.body).toMatchObject({ code: 'hold_limit', status: 429, heldUnitsMax: 10 });
  const retryAfter = Number(result.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(ttlSeconds);
  expect(result.body.retryAfterSeconds).toBe(retryAfter);
}

describe('holding limit under a race', () => {
  it('when one customer sends 20 one-seat holds at once, then exactly 10 get 201 and 10 get 429 hold_limit with Retry-After; another customer is unaffected', async () => {
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 40 });
    const [hoarder, neighbour] = [await actor('customer'), await actor('customer')];

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => hold(hoarder, scheduleId, [i + 1])),
    );

    const won = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(won).toHaveLength(HELD_UNITS_MAX);
    expect(refused).toHaveLength(20 - HELD_UNITS_MAX);
    for (const refusal of refused) expectHoldLimit(refusal, 60);
    expect(await heldUnitsInSql(hoarder.sub)).toBe(HELD_UNITS_MAX);
    const seats = await seatsOf(stack, scheduleId);
    expect([...seats.values()].filter((s) => s.status === 'held')).toHaveLength(HELD_UNITS_MAX);
    const seatsOfNeighbour = Array.from({ length: 10 }, (_, i) => 21 + i);
    expectStatus(await hold(neighbour, scheduleId, seatsOfNeighbour), 201, 'neighbour');
  });
});

describe('what frees room', () => {
  it('when a held booking is confirmed, then its seats stop counting and the next hold fits', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 100_000);
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 20 });
    const first = expectStatus(await hold(buyer, scheduleId, [1, 2, 3, 4, 5]), 201);
    expectStatus(await hold(buyer, scheduleId, [6, 7, 8, 9, 10]), 201);
    expectHoldLimit(await hold(buyer, scheduleId, [11]), 60);

    const confirmed = await call(stack, 'POST', `/v1/bookings/${first.id}/confirm`, {
      token: buyer.token,
      body: { accountId: walletId },
    });

    expectStatus(confirmed, 200, 'confirm');
    expectStatus(await hold(buyer, scheduleId, [11, 12, 13, 14, 15]), 201);
    expect(await heldUnitsInSql(buyer.sub)).toBe(HELD_UNITS_MAX);
  });

  it('when the earliest hold passes its expiresAt, then the refused hold fits after Retry-After, timer or not', async () => {
    const buyer = await actor('customer');
    const { scheduleId } = await seedBus(shortHold, staff, { seatCount: 20 });
    expectStatus(await hold(buyer, scheduleId, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], shortHold), 201);
    const refused = await hold(buyer, scheduleId, [11], shortHold);
    expectHoldLimit(refused, SHORT_HOLD_MS / 1000);

    await new Promise((resolve) =>
      setTimeout(resolve, Number(refused.headers.get('retry-after')) * 1000 + 100),
    );

    expectStatus(await hold(buyer, scheduleId, [11], shortHold), 201, 'after the hold expired');
  });
});

describe('stays count their nights', () => {
  it('when a customer holds a 7-night stay, then 4 seats more are refused and 3 fit; a stay longer than the limit alone is 422', async () => {
    const buyer = await actor('customer');
    const { roomTypeId } = await seedHotel(stack, staff, { unitsPerNight: 2 });
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 10 });
    const stay = (from: number, to: number) =>
      call(stack, 'POST', '/v1/stays', {
        token: buyer.token,
        body: { roomTypeId, checkIn: daysFromToday(from), checkOut: daysFromToday(to) },
      });
    expectStatus(await stay(10, 17), 201, '7 nights');

    expectHoldLimit(await hold(buyer, scheduleId, [1, 2, 3, 4]), 60);
    expectStatus(await hold(buyer, scheduleId, [1, 2, 3]), 201, '3 seats');
    const tooLong = await stay(20, 31);

    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toMatchObject({ code: 'validation_failed' });
    expect(tooLong.body.errors[0]).toMatchObject({ path: 'checkOut' });
    expect(await heldUnitsInSql(buyer.sub)).toBe(HELD_UNITS_MAX);
  });
});
