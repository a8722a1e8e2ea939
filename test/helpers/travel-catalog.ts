import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import { expect } from 'vitest';
import { execute } from '../../db/transaction';
import type { SellerKind } from '../../domain/catalog';
import { DAY_MS } from '../../domain/duration';
import {
  call,
  expectStatus,
  stackApi,
  type Actor,
  type ApiResult,
  type TestStack,
} from '../../tools/app';
import { createSeller } from '../../tools/resources';

/*
 * What the travel catalogue tests share (SPEC.md §6 without the bookings): sellers of a kind,
 * schedules, properties and room types, made through the API as staff unless told, and seats
 * and nights taken by fixture bookings written in SQL.
 */

/** inDays is the ISO-8601 instant `days` (fractional allowed) from now. */
export function inDays(days: number): string {
  return new Date(Date.now() + days * DAY_MS).toISOString();
}

/**
 * travelCatalogKit binds the catalogue requests to one stack and one staff caller: `post` and
 * `get` send as `who` (default staff); the creators throw unless the API answers 201.
 */
export function travelCatalogKit(stack: TestStack, staff: Actor) {
  const post = (path: string, body: unknown, who: Pick<Actor, 'token'> = staff, key?: string) =>
    call(stack, 'POST', path, { token: who.token, body, key });
  const get = (path: string, who: Pick<Actor, 'token'> = staff) =>
    call(stack, 'GET', path, { token: who.token });
  return {
    post,
    get,
    /** newSeller creates a seller of `kind`, approved unless `approved` is false. */
    newSeller: (kind: SellerKind, approved = true): Promise<string> =>
      createSeller(
        { ...stackApi(stack), staff },
        { name: `${kind} ${randomUUID()}`, approved, kind },
      ),
    /** createProperty creates a property and returns its ID. */
    createProperty: async (sellerId: string, name: string, city: string): Promise<string> => {
      const res = await post('/v1/properties', { sellerId, name, city });
      return expectStatus<{ id: string }>(res, 201, 'create property').id;
    },
    /** createRoomType adds a room type named `room <priceMinor>` in EUR and returns its ID. */
    createRoomType: async (propertyId: string, unitsPerNight: number, priceMinor: number) => {
      const body = { name: `room ${priceMinor}`, unitsPerNight, priceMinor, currency: 'EUR' };
      const res = await post(`/v1/properties/${propertyId}/room-types`, body);
      return expectStatus<{ id: string }>(res, 201, 'create room type').id;
    },
  };
}

/**
 * scheduleBody is a valid POST /v1/schedules body: Lisbon → Porto in a week, 3 h long, 3 seats
 * at 1500 minor units (EUR), with `overrides` on top.
 */
export function scheduleBody(sellerId: string, overrides: Record<string, unknown> = {}) {
  return {
    sellerId,
    origin: 'Lisbon',
    destination: 'Porto',
    departsAt: inDays(7),
    arrivesAt: inDays(7 + 3 / 24),
    seatCount: 3,
    priceMinor: 1_500,
    currency: 'EUR',
    ...overrides,
  };
}

/**
 * expect422 asserts a 422 `validation_failed` problem+json whose errors name `path` (when
 * not empty); `what` names the case in a failure message.
 */
export function expect422(res: ApiResult, path: string, what = path): void {
  expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(422);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.code).toBe('validation_failed');
  if (path)
    expect(
      res.body.errors.map((e: { path: string }) => e.path),
      what,
    ).toContain(path);
}

/** Taken is what a fixture booking does to its seats or night: hold (reserved) or book (confirmed). */
export type Taken = 'held' | 'booked';

/**
 * insertBooking writes, inside `transaction`, a bookings row of amount 0 (so no payment is
 * owed): `reserved` for a hold, `confirmed` for a booking; returns its ID.
 */
async function insertBooking(
  stack: TestStack,
  transaction: Transaction,
  input: { sellerId: string; taken: Taken },
  target: { scheduleId: string; seats: number[] } | { roomTypeId: string; night: string },
): Promise<string> {
  const id = randomUUID();
  const seat = 'scheduleId' in target;
  await execute(
    stack.db,
    `INSERT INTO bookings (id, customer_id, kind, status, seller_id, schedule_id, seat_numbers,
       room_type_id, check_in, check_out, amount_minor, currency, workflow_id, ends_at,
       reserved_at, expires_at, confirmed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::int[], $8, $9::date, $9::date + 1, 0, 'EUR', $10,
       now() + interval '60 days', now(), now() + interval '60 days',
       CASE WHEN $4::text = 'confirmed' THEN now() END)`,
    [
      id,
      randomUUID(),
      seat ? 'seat' : 'stay',
      input.taken === 'held' ? 'reserved' : 'confirmed',
      input.sellerId,
      seat ? target.scheduleId : null,
      seat ? target.seats : null,
      seat ? null : target.roomTypeId,
      seat ? null : target.night,
      `fixture-${id}`,
    ],
    transaction,
  );
  return id;
}

/**
 * takeSeats marks `seats` held or booked by a fixture booking, in one transaction with it, so
 * the booking invariants hold at every instant another test file may check them.
 */
export async function takeSeats(
  stack: TestStack,
  input: { sellerId: string; taken: Taken },
  target: { scheduleId: string; seats: number[] },
): Promise<void> {
  await stack.db.sequelize.transaction(async (transaction) => {
    const bookingId = await insertBooking(stack, transaction, input, target);
    const rows = await execute(
      stack.db,
      `UPDATE seats SET status = $1, booking_id = $2
       WHERE schedule_id = $3 AND seat_no = ANY($4::int[]) AND status = 'free' RETURNING seat_no`,
      [input.taken, bookingId, target.scheduleId, target.seats],
      transaction,
    );
    expect(rows).toHaveLength(target.seats.length);
  });
}

/** takeNight holds or books one unit of a room type's `night` by a fixture booking, atomically. */
export async function takeNight(
  stack: TestStack,
  input: { sellerId: string; taken: Taken },
  target: { roomTypeId: string; night: string },
): Promise<void> {
  await stack.db.sequelize.transaction(async (transaction) => {
    await insertBooking(stack, transaction, input, target);
    const column = input.taken === 'held' ? 'held' : 'booked';
    const rows = await execute(
      stack.db,
      `UPDATE room_nights SET ${column} = ${column} + 1
       WHERE room_type_id = $1 AND night = $2::date RETURNING night`,
      [target.roomTypeId, target.night],
      transaction,
    );
    expect(rows).toHaveLength(1);
  });
}
