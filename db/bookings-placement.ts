import type { Transaction } from 'sequelize';
import type { Db } from './connection';
import { execute } from './transaction';

/*
 * The statements the booking placement transaction (activities/bookings.ts placeBooking)
 * writes with, after it locked and checked the seats or nights (db/booking-inventory.ts).
 */

/** NewBooking is what every inserted `reserved` booking records. */
interface NewBooking {
  bookingId: string;
  customerId: string;
  workflowId: string;
  sellerId: string;
  /** amountMinor is the price in minor units of `currency` (bookingAmountOf). */
  amountMinor: number;
  currency: string;
  /** holdTtlMs is how long the hold lasts from the database's now before it expires. */
  holdTtlMs: number;
}

/** NewSeatBooking is a seat booking to insert: its schedule, seats and arrival. */
export interface NewSeatBooking extends NewBooking {
  scheduleId: string;
  /** seats are distinct seat numbers, ascending, already locked free (lockScheduleSeats). */
  seats: number[];
  /** endsAt is the bus's arrival, when the booking completes. */
  endsAt: Date;
}

/**
 * insertSeatBooking inserts the `reserved` seat booking and marks its seats `held` by it, in
 * one statement. Call it in the placement transaction after lockScheduleSeats.
 */
export async function insertSeatBooking(
  db: Db,
  transaction: Transaction,
  booking: NewSeatBooking,
): Promise<void> {
  await execute(
    db,
    `WITH b AS (
       INSERT INTO bookings (id, customer_id, kind, status, seller_id, schedule_id, seat_numbers,
         amount_minor, currency, workflow_id, ends_at, reserved_at, expires_at)
       VALUES ($1, $2, 'seat', 'reserved', $3, $4, $5::int[], $6, $7, $8, $9, now(),
         now() + ($10 || ' milliseconds')::interval)
       RETURNING id)
     UPDATE seats SET status = 'held', booking_id = (SELECT id FROM b), updated_at = now()
     WHERE schedule_id = $4 AND seat_no = ANY($5::int[])`,
    [
      booking.bookingId,
      booking.customerId,
      booking.sellerId,
      booking.scheduleId,
      booking.seats,
      booking.amountMinor,
      booking.currency,
      booking.workflowId,
      booking.endsAt,
      String(booking.holdTtlMs),
    ],
    transaction,
  );
}

/** NewStayBooking is a stay booking to insert: its room type, dates and check-out instant. */
export interface NewStayBooking extends NewBooking {
  roomTypeId: string;
  /** checkIn and checkOut are YYYY-MM-DD; the stay holds the nights checkIn ≤ night < checkOut. */
  checkIn: string;
  checkOut: string;
  /** endsAt is the check-out instant, when the booking completes. */
  endsAt: Date;
}

/**
 * insertStayBooking inserts the `reserved` stay booking and holds one room on each of its
 * nights, in one statement. Call it in the placement transaction after lockRoomNights.
 */
export async function insertStayBooking(
  db: Db,
  transaction: Transaction,
  booking: NewStayBooking,
): Promise<void> {
  await execute(
    db,
    `WITH b AS (
       INSERT INTO bookings (id, customer_id, kind, status, seller_id, room_type_id, check_in,
         check_out, amount_minor, currency, workflow_id, ends_at, reserved_at, expires_at)
       VALUES ($1, $2, 'stay', 'reserved', $3, $4, $5::date, $6::date, $7, $8, $9, $10, now(),
         now() + ($11 || ' milliseconds')::interval)
       RETURNING id)
     UPDATE room_nights SET held = held + 1, updated_at = now()
     WHERE room_type_id = $4 AND night >= $5::date AND night < $6::date AND EXISTS (SELECT 1 FROM b)`,
    [
      booking.bookingId,
      booking.customerId,
      booking.sellerId,
      booking.roomTypeId,
      booking.checkIn,
      booking.checkOut,
      booking.amountMinor,
      booking.currency,
      booking.workflowId,
      booking.endsAt,
      String(booking.holdTtlMs),
    ],
    transaction,
  );
}
