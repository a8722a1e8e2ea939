import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, useStack, type Actor, type TestStack } from '../helpers/stack';
import { expectLedgerConsistent } from '../helpers/factories';
import { daysFromToday, nightsOf, seatsOf, seedBus, seedHotel } from '../helpers/travel';

/*
 * Races on the real stack (SPEC.md §6): concurrent requests for the same seats and nights,
 * then the invariants in SQL (db/bookings-check.ts runs inside expectLedgerConsistent).
 */

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

describe('racing for seats', () => {
  it('when 50 customers race for one seat, then one gets 201 reserved and 49 get 409 seats_unavailable naming it', async () => {
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 40 });
    const buyers = await Promise.all(Array.from({ length: 50 }, () => actor('customer')));

    const results = await Promise.all(
      buyers.map((buyer) =>
        call(stack, 'POST', '/v1/bookings', {
          token: buyer.token,
          body: { scheduleId, seats: [7] },
        }),
      ),
    );

    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(49);
    expect(won[0]!.body).toMatchObject({ status: 'reserved', seats: [7], kind: 'seat' });
    expect(won[0]!.body.expiresAt).toEqual(expect.any(String));
    for (const refusal of lost) {
      expect(refusal.body).toMatchObject({ code: 'seats_unavailable', seats: [7] });
    }
    const seats = await seatsOf(stack, scheduleId);
    expect(seats.get(7)).toEqual({ status: 'held', bookingId: won[0]!.body.id });
    expect([...seats.values()].filter((s) => s.status !== 'free')).toHaveLength(1);
    await expectLedgerConsistent(stack);
  });

  it('when [1,2], [2,3] and [3,1] race, many times, then exactly one wins each round, nothing deadlocks and no seat is taken twice', async () => {
    const rounds = 12;
    const pairs = [
      [1, 2],
      [2, 3],
      [3, 1],
    ];
    for (let round = 0; round < rounds; round += 1) {
      // New buyers each round: one winning every round would pass the holding limit (SPEC §10).
      const buyers = await Promise.all(pairs.map(() => actor('customer')));
      const { scheduleId } = await seedBus(stack, staff, { seatCount: 3 });
      const results = await Promise.all(
        pairs.map((seats, i) =>
          call(stack, 'POST', '/v1/bookings', {
            token: buyers[i]!.token,
            body: { scheduleId, seats },
          }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409]);
      const winner = results.find((r) => r.status === 201)!.body;
      const seats = await seatsOf(stack, scheduleId);
      const held = [...seats.entries()].filter(([, s]) => s.status === 'held');
      expect(held.map(([n]) => n).sort()).toEqual([...winner.seats].sort());
      expect(new Set(held.map(([, s]) => s.bookingId))).toEqual(new Set([winner.id]));
      for (const refusal of results.filter((r) => r.status === 409)) {
        expect(refusal.body.code).toBe('seats_unavailable');
        expect(refusal.body.seats.length).toBeGreaterThan(0);
      }
    }
    await expectLedgerConsistent(stack);
  });
});

describe('racing for the last room', () => {
  it('when overlapping stays race for one room on shared nights, then each night is held at most once and the winners never overlap', async () => {
    const { roomTypeId } = await seedHotel(stack, staff, { unitsPerNight: 1 });
    const buyers = await Promise.all(Array.from({ length: 8 }, () => actor('customer')));
    const ranges = [
      [10, 12],
      [11, 13],
      [12, 14],
      [13, 15],
      [10, 15],
      [14, 16],
      [11, 12],
      [15, 17],
    ];

    const results = await Promise.all(
      ranges.map(([from, to], i) =>
        call(stack, 'POST', '/v1/stays', {
          token: buyers[i]!.token,
          body: { roomTypeId, checkIn: daysFromToday(from!), checkOut: daysFromToday(to!) },
        }),
      ),
    );

    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const won = results.filter((r) => r.status === 201).map((r) => r.body);
    expect(won.length).toBeGreaterThan(0);
    for (const a of won)
      for (const b of won)
        if (a.id !== b.id) expect(a.checkOut <= b.checkIn || b.checkOut <= a.checkIn).toBe(true);
    for (const refusal of results.filter((r) => r.status === 409)) {
      expect(refusal.body.code).toBe('rooms_unavailable');
      expect(refusal.body.nights.length).toBeGreaterThan(0);
    }
    const nights = await nightsOf(stack, roomTypeId, daysFromToday(10), daysFromToday(17));
    expect(nights.every((n) => n.held + n.booked <= n.units)).toBe(true);
    const heldNights = nights.filter((n) => n.held === 1).length;
    expect(heldNights).toBe(won.reduce((sum, b) => sum + b.nights, 0));
    await expectLedgerConsistent(stack);
  });
});

describe('Idempotency-Key on bookings', () => {
  it('when one key is sent five times at once and again later, then one booking, every answer the same, and a changed body 422', async () => {
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 6 });
    const buyer = await actor('customer');
    const send = (seats: number[]) =>
      call(stack, 'POST', '/v1/bookings', {
        token: buyer.token,
        key: 'seat-click-1',
        body: { scheduleId, seats },
      });

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => send([5])));
    const later = await send([5]);
    const changed = await send([6]);

    expect(concurrent.map((r) => r.status)).toEqual(Array(5).fill(201));
    expect(new Set([...concurrent, later].map((r) => r.body.id)).size).toBe(1);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    expect(changed.status).toBe(422);
    expect(changed.body.code).toBe('idempotency_key_reuse');
    const seats = await seatsOf(stack, scheduleId);
    expect([...seats.values()].filter((s) => s.status !== 'free')).toHaveLength(1);
  });
});
