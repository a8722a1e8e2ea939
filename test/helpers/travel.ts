import { query } from '../../db/transaction';
import type { TestStack } from '../../tools/app';

/*
 * Travel fixtures for the booking tests (SPEC.md §6): a bus operator's schedule and a property
 * owner's room type, created through the API as staff (tools/seed.ts), and SQL reads of what
 * they hold.
 */

export { daysFromToday, seedBus, seedHotel } from '../../tools/seed';

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
