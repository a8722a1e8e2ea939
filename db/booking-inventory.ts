import type { Transaction } from 'sequelize';
import type { BookingStatus, BookingView } from '../domain/bookings';
import { toSafeInt, type Db } from './connection';
import { execute, lockRows } from './transaction';

/*
 * Booking inventory (SPEC.md §6): the row locks and moves of seats and room-nights that the
 * booking activities' transactions are built from. Lock order: bookings → schedule → seats
 * (ascending seat number) or room type → nights (ascending date) → accounts (ascending id).
 */

/** LockedSchedule is a bus schedule locked for a seat booking, with its seller's approval. */
export interface LockedSchedule {
  id: string;
  sellerId: string;
  sellerApproved: boolean;
  seatCount: number;
  priceMinor: number;
  currency: string;
  departsAt: Date;
  arrivesAt: Date;
}

/**
 * lockScheduleSeats locks the schedule row, then the requested seat rows `FOR UPDATE` in
 * ascending seat order (ARCHITECTURE.md "Rules": schedules → seats), and returns both; the
 * schedule is undefined when it does not exist.
 */
export async function lockScheduleSeats(
  db: Db,
  transaction: Transaction,
  input: { scheduleId: string; seats: number[] },
): Promise<{
  schedule: LockedSchedule | undefined;
  seats: { seatNo: number; status: string; bookingId: string | null }[];
}> {
  const [row] = await lockRows<{
    id: string;
    seller_id: string;
    approval_status: string;
    seat_count: number;
    price_minor: string;
    currency: string;
    departs_at: Date;
    arrives_at: Date;
  }>(
    db,
    transaction,
    'bus_schedules',
    `SELECT s.id, s.seller_id, l.approval_status, s.seat_count, s.price_minor, s.currency,
            s.departs_at, s.arrives_at
     FROM bus_schedules s JOIN sellers l ON l.id = s.seller_id WHERE s.id = $1 FOR UPDATE OF s`,
    [input.scheduleId],
  );
  if (!row) return { schedule: undefined, seats: [] };
  const seats = await lockRows<{ seat_no: number; status: string; booking_id: string | null }>(
    db,
    transaction,
    'seats',
    `SELECT seat_no, status, booking_id FROM seats
     WHERE schedule_id = $1 AND seat_no = ANY($2::int[]) ORDER BY seat_no FOR UPDATE`,
    [input.scheduleId, [...input.seats].sort((a, b) => a - b)],
  );
  return {
    schedule: {
      id: row.id,
      sellerId: row.seller_id,
      sellerApproved: row.approval_status === 'approved',
      seatCount: row.seat_count,
      priceMinor: toSafeInt(row.price_minor),
      currency: row.currency.trim(),
      departsAt: row.departs_at,
      arrivesAt: row.arrives_at,
    },
    seats: seats.map((s) => ({ seatNo: s.seat_no, status: s.status, bookingId: s.booking_id })),
  };
}

/** LockedRoomType is a room type locked for a stay, with its property and seller state. */
export interface LockedRoomType {
  id: string;
  sellerId: string;
  bookable: boolean;
  unitsPerNight: number;
  priceMinor: number;
  currency: string;
}

/** LockedNight is one room-night row locked for a stay. */
export interface LockedNight {
  night: string;
  units: number;
  held: number;
  booked: number;
}

/**
 * lockRoomNights locks the room type (FOR SHARE: its units are read, never changed here),
 * creates the nights of the stay that have no row yet (the horizon is extended on demand,
 * units = unitsPerNight), then locks every night's row `FOR UPDATE` in ascending date order.
 * The room type is undefined when it does not exist.
 */
export async function lockRoomNights(
  db: Db,
  transaction: Transaction,
  input: { roomTypeId: string; nights: string[] },
): Promise<{ roomType: LockedRoomType | undefined; nights: LockedNight[] }> {
  const [row] = await lockRows<{
    id: string;
    seller_id: string;
    approval_status: string;
    active: boolean;
    units_per_night: number;
    price_minor: string;
    currency: string;
  }>(
    db,
    transaction,
    'room_types',
    `SELECT r.id, p.seller_id, l.approval_status, p.active, r.units_per_night, r.price_minor,
            r.currency
     FROM room_types r JOIN properties p ON p.id = r.property_id JOIN sellers l ON l.id = p.seller_id
     WHERE r.id = $1 FOR SHARE OF r`,
    [input.roomTypeId],
  );
  if (!row) return { roomType: undefined, nights: [] };
  await execute(
    db,
    `INSERT INTO room_nights (room_type_id, night, units)
     SELECT $1, n::date, $2 FROM unnest($3::date[]) AS n ON CONFLICT DO NOTHING`,
    [input.roomTypeId, row.units_per_night, input.nights],
    transaction,
  );
  const nights = await lockRows<{ night: string; units: number; held: number; booked: number }>(
    db,
    transaction,
    'room_nights',
    `SELECT to_char(night, 'YYYY-MM-DD') AS night, units, held, booked FROM room_nights
     WHERE room_type_id = $1 AND night = ANY($2::date[]) ORDER BY night FOR UPDATE`,
    [input.roomTypeId, input.nights],
  );
  return {
    roomType: {
      id: row.id,
      sellerId: row.seller_id,
      bookable: row.approval_status === 'approved' && row.active,
      unitsPerNight: row.units_per_night,
      priceMinor: toSafeInt(row.price_minor),
      currency: row.currency.trim(),
    },
    nights,
  };
}

/**
 * InventoryMove is what a booking transition does to the seats or nights it holds: `book`
 * turns its holds into bookings (confirm), `release` frees them (cancel, expire).
 */
export type InventoryMove = 'book' | 'release';

/**
 * moveInventory applies `move` to what `booking` holds, inside `transaction`: its seat rows
 * (held → booked, or back to free) or its nights (held − 1 and booked + 1, or the unit given
 * back from held or booked). The caller holds the booking's row lock; the seat and night rows
 * are locked here in ascending order first. `from` is the booking's status before the move.
 * @throws Error when the rows do not match the booking (an invariant broken elsewhere).
 */
export async function moveInventory(
  db: Db,
  transaction: Transaction,
  booking: BookingView,
  input: { move: InventoryMove; from: BookingStatus },
): Promise<void> {
  const fromColumn = input.from === 'reserved' ? 'held' : 'booked';
  if (booking.kind === 'seat') {
    const set = input.move === 'book' ? `status = 'booked'` : `status = 'free', booking_id = NULL`;
    await lockRows(
      db,
      transaction,
      'seats',
      `SELECT seat_no FROM seats WHERE schedule_id = $1 AND seat_no = ANY($2::int[])
       ORDER BY seat_no FOR UPDATE`,
      [booking.scheduleId, booking.seats],
    );
    const rows = await execute(
      db,
      `UPDATE seats SET ${set}, updated_at = now()
       WHERE schedule_id = $1 AND seat_no = ANY($2::int[]) AND booking_id = $3 RETURNING seat_no`,
      [booking.scheduleId, booking.seats, booking.id],
      transaction,
    );
    if (rows.length !== booking.seats!.length)
      throw new Error(`booking ${booking.id}: ${rows.length} of its seats are held by it`);
    return;
  }
  const set =
    input.move === 'book'
      ? 'held = held - 1, booked = booked + 1'
      : `${fromColumn} = ${fromColumn} - 1`;
  await lockRows(
    db,
    transaction,
    'room_nights',
    `SELECT night FROM room_nights WHERE room_type_id = $1 AND night >= $2::date AND night < $3::date
     ORDER BY night FOR UPDATE`,
    [booking.roomTypeId, booking.checkIn, booking.checkOut],
  );
  const rows = await execute(
    db,
    `UPDATE room_nights SET ${set}, updated_at = now()
     WHERE room_type_id = $1 AND night >= $2::date AND night < $3::date RETURNING night`,
    [booking.roomTypeId, booking.checkIn, booking.checkOut],
    transaction,
  );
  if (rows.length !== booking.nights)
    throw new Error(`booking ${booking.id}: ${rows.length} of its ${booking.nights} nights exist`);
}
