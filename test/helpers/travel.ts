import { randomUUID } from 'node:crypto';
import { query } from '../../db/transaction';
import { expectStatus, stackApi, stackCaller, type Actor, type TestStack } from './app';
import { createSeller } from './resources';

/*
 * Travel fixtures for the booking tests (SPEC.md §6): a bus operator's schedule and a property
 * owner's room type, created through the API as staff, and SQL reads of what they hold.
 */

/**
 * seedBus creates a bus operator (approved unless `approved: false`) and one schedule that
 * departs in `departsInMs` (default a week) and arrives `durationMs` later (default 3 h).
 */
export async function seedBus(
  stack: TestStack,
  staff: Actor,
  input: {
    seatCount: number;
    priceMinor?: number;
    departsInMs?: number;
    durationMs?: number;
    approved?: boolean;
  },
): Promise<{ sellerId: string; scheduleId: string }> {
  const api = stackCaller(stack);
  const sellerId = await createSeller(
    { ...stackApi(stack), staff },
    { name: `bus ${randomUUID()}`, approved: input.approved !== false, kind: 'bus_operator' },
  );
  const departsAt = Date.now() + (input.departsInMs ?? 7 * 86_400_000);
  const schedule = expectStatus<{ id: string }>(
    await api('POST', '/v1/schedules', {
      token: staff.token,
      body: {
        sellerId,
        origin: 'Lisbon',
        destination: `Porto ${randomUUID().slice(0, 8)}`,
        departsAt: new Date(departsAt).toISOString(),
        arrivesAt: new Date(departsAt + (input.durationMs ?? 3 * 3_600_000)).toISOString(),
        seatCount: input.seatCount,
        priceMinor: input.priceMinor ?? 1_500,
        currency: 'EUR',
      },
    }),
    201,
    'create schedule',
  );
  return { sellerId, scheduleId: schedule.id };
}

/** seedHotel creates an approved property owner, a property and one room type. */
export async function seedHotel(
  stack: TestStack,
  staff: Actor,
  input: { unitsPerNight: number; priceMinor?: number },
): Promise<{ sellerId: string; propertyId: string; roomTypeId: string }> {
  const api = stackCaller(stack);
  const sellerId = await createSeller(
    { ...stackApi(stack), staff },
    { name: `hotel ${randomUUID()}`, approved: true, kind: 'property_owner' },
  );
  const property = expectStatus<{ id: string }>(
    await api('POST', '/v1/properties', {
      token: staff.token,
      body: { sellerId, name: `Hotel ${randomUUID().slice(0, 8)}`, city: 'Lisbon' },
    }),
    201,
    'create property',
  );
  const roomType = expectStatus<{ id: string }>(
    await api('POST', `/v1/properties/${property.id}/room-types`, {
      token: staff.token,
      body: {
        name: 'Double',
        unitsPerNight: input.unitsPerNight,
        priceMinor: input.priceMinor ?? 9_000,
        currency: 'EUR',
      },
    }),
    201,
    'create room type',
  );
  return { sellerId, propertyId: property.id, roomTypeId: roomType.id };
}

/** seatsOf reads a schedule's seat rows straight from SQL: seat number → status and booking. */
export async function seatsOf(
  stack: TestStack,
  scheduleId: string,
): Promise<Map<number, { status: string; bookingId: string | null }>> {
  const rows = await query<{ seat_no: number; status: string; booking_id: string | null }>(
    stack.db,
    'SELECT seat_no, status, booking_id FROM seats WHERE schedule_id = $1 ORDER BY seat_no',
    [scheduleId],
  );
  return new Map(rows.map((r) => [r.seat_no, { status: r.status, bookingId: r.booking_id }]));
}

/** nightsOf reads a room type's nights in [from, to) straight from SQL. */
export async function nightsOf(
  stack: TestStack,
  roomTypeId: string,
  from: string,
  to: string,
): Promise<{ night: string; units: number; held: number; booked: number }[]> {
  return query(
    stack.db,
    `SELECT to_char(night, 'YYYY-MM-DD') AS night, units, held, booked FROM room_nights
     WHERE room_type_id = $1 AND night >= $2::date AND night < $3::date ORDER BY night`,
    [roomTypeId, from, to],
  );
}

/** daysFromToday is the UTC calendar date `days` after today, YYYY-MM-DD. */
export function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
