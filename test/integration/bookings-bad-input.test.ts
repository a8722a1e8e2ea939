import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, useStack, type Actor, type TestStack } from '../helpers/stack';
import { countRows } from '../helpers/factories';
import { daysFromToday, seedBus, seedHotel } from '../helpers/travel';

/*
 * Bad booking input gets a clear 4xx problem+json and writes nothing (issue 8): no booking
 * row, no seat or night taken.
 */

let stack: TestStack;
let staff: Actor;
let buyer: Actor;
let scheduleId: string;
let roomTypeId: string;

beforeAll(async () => {
  stack = await useStack();
  [staff, buyer] = [await actor('staff'), await actor('customer')];
  ({ scheduleId } = await seedBus(stack, staff, { seatCount: 8 }));
  ({ roomTypeId } = await seedHotel(stack, staff, { unitsPerNight: 3 }));
});

/** takenCount counts booking rows, taken seats and held or booked nights: all must not move. */
async function takenCount(): Promise<number> {
  return countRows(
    stack,
    `SELECT (SELECT count(*) FROM bookings) + (SELECT count(*) FROM seats WHERE status <> 'free')
          + (SELECT coalesce(sum(held + booked), 0) FROM room_nights) AS n`,
  );
}

/** expectRefused sends one request and expects `status` with `code`, and nothing written. */
async function expectRefused(path: string, body: unknown, status: number, code: string) {
  const before = await takenCount();
  const result = await call(stack, 'POST', path, { token: buyer.token, body });
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toContain('application/problem+json');
  expect(result.body.code).toBe(code);
  expect(await takenCount()).toBe(before);
  return result.body;
}

describe('bad seat requests', () => {
  it.each([
    ['the same seat twice', { seats: [2, 2] }],
    ['seat 0', { seats: [0] }],
    ['no seats', { seats: [] }],
    ['more than 10 seats', { seats: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }],
    ['a seat that is not a whole number', { seats: [1.5] }],
    ['a seat as text', { seats: ['1'] }],
    ['an extra field', { seats: [1], discount: true }],
  ])('when a request has %s, then 422 validation_failed', async (_name, body) => {
    const problem = await expectRefused(
      '/v1/bookings',
      { scheduleId, ...body },
      422,
      'validation_failed',
    );
    expect(problem.errors.length).toBeGreaterThan(0);
  });

  it('when a seat is beyond the bus, then 422 naming that seat', async () => {
    const problem = await expectRefused(
      '/v1/bookings',
      { scheduleId, seats: [3, 9] },
      422,
      'validation_failed',
    );
    expect(problem.errors[0].path).toBe('seats.1');
  });

  it('when the bus has departed, then 422', async () => {
    const { scheduleId: gone } = await seedBus(stack, staff, { seatCount: 4 });
    await stack.db.sequelize.query(
      `UPDATE bus_schedules SET departs_at = now() - interval '1 hour', arrives_at = now() WHERE id = $1`,
      { bind: [gone] },
    );
    await expectRefused('/v1/bookings', { scheduleId: gone, seats: [1] }, 422, 'validation_failed');
  });

  it('when the schedule is unknown or its operator is not approved, then 404', async () => {
    const { scheduleId: hidden } = await seedBus(stack, staff, { seatCount: 4, approved: false });
    await expectRefused('/v1/bookings', { scheduleId: randomUUID(), seats: [1] }, 404, 'not_found');
    await expectRefused('/v1/bookings', { scheduleId: hidden, seats: [1] }, 404, 'not_found');
  });
});

describe('bad stay requests', () => {
  it.each([
    ['checkOut on checkIn', { checkIn: daysFromToday(5), checkOut: daysFromToday(5) }],
    ['checkOut before checkIn', { checkIn: daysFromToday(6), checkOut: daysFromToday(5) }],
    ['31 nights', { checkIn: daysFromToday(5), checkOut: daysFromToday(36) }],
    ['a malformed date', { checkIn: 'tomorrow', checkOut: daysFromToday(5) }],
    ['a date that does not exist', { checkIn: '2027-02-30', checkOut: '2027-03-02' }],
    ['a past check-in', { checkIn: daysFromToday(-2), checkOut: daysFromToday(1) }],
    ['nights beyond the horizon', { checkIn: daysFromToday(364), checkOut: daysFromToday(367) }],
    ['no dates', {}],
  ])('when a stay has %s, then 422 validation_failed', async (_name, dates) => {
    await expectRefused('/v1/stays', { roomTypeId, ...dates }, 422, 'validation_failed');
  });

  it('when the room type is unknown or its property inactive, then 404', async () => {
    const { roomTypeId: closed, propertyId } = await seedHotel(stack, staff, { unitsPerNight: 1 });
    await stack.db.sequelize.query('UPDATE properties SET active = false WHERE id = $1', {
      bind: [propertyId],
    });
    const dates = { checkIn: daysFromToday(3), checkOut: daysFromToday(4) };
    await expectRefused('/v1/stays', { roomTypeId: randomUUID(), ...dates }, 404, 'not_found');
    await expectRefused('/v1/stays', { roomTypeId: closed, ...dates }, 404, 'not_found');
  });
});

describe('who may book', () => {
  it('when staff or an operator places a booking, then 403 and nothing is written', async () => {
    const before = await takenCount();
    const asStaff = await call(stack, 'POST', '/v1/bookings', {
      token: staff.token,
      body: { scheduleId, seats: [1] },
    });
    expect(asStaff.status).toBe(403);
    expect(await takenCount()).toBe(before);
  });
});
