import { INVALID_BOOKING } from './bookings';
import { DomainError, invalidField } from './errors';
import { totalOfLines } from './number-range';
import { utcDate } from './travel';

/*
 * The booking rules (SPEC.md §6) on camelCase views of schedules, seats, room-nights and
 * accounts: pure checks, each with its one SPEC code and message. The service runs them first
 * for an early refusal; the placement and payment activities run them again on what their
 * transaction locked, which is the answer that counts under concurrency.
 */

/**
 * assertScheduleFound narrows a schedule the caller may book, or refuses one that is missing
 * or hidden (the caller passes undefined for a schedule of an unapproved operator).
 * @throws DomainError `not_found` (404).
 */
export function assertScheduleFound<T>(schedule: T): asserts schedule is NonNullable<T> {
  if (schedule === undefined || schedule === null)
    throw new DomainError('not_found', 'No such schedule');
}

/**
 * assertRoomTypeFound narrows a room type the caller may book, or refuses one that is missing
 * or not bookable (the caller passes undefined for an inactive property or unapproved owner).
 * @throws DomainError `not_found` (404).
 */
export function assertRoomTypeFound<T>(roomType: T): asserts roomType is NonNullable<T> {
  if (roomType === undefined || roomType === null)
    throw new DomainError('not_found', 'No such room type');
}

/**
 * assertNotDeparted refuses seats on a bus that left at or before `nowMs` (both epoch ms).
 * @throws DomainError `validation_failed` (422) on `scheduleId`.
 */
export function assertNotDeparted(departsAtMs: number, nowMs: number): void {
  if (departsAtMs <= nowMs)
    throw invalidField('scheduleId', 'the bus has already departed', INVALID_BOOKING);
}

/**
 * assertSeatsOnBus refuses a seat number beyond the bus's `seatCount` (seats are 1…seatCount).
 * `seats` is the request's list, in its order, so the error names the first bad element.
 * @throws DomainError `validation_failed` (422) on `seats.<index>`.
 */
export function assertSeatsOnBus(seats: readonly number[], seatCount: number): void {
  const index = seats.findIndex((n) => n > seatCount);
  if (index >= 0)
    throw invalidField(`seats.${index}`, `this bus has seats 1–${seatCount}`, INVALID_BOOKING);
}

/** SeatState is one seat as its lock read it: `free`, or held or booked by a booking. */
export interface SeatState {
  seatNo: number;
  status: string;
}

/**
 * assertSeatsFree refuses a placement when any requested seat is not `free`.
 * @throws DomainError `seats_unavailable` (409) with `seats`: exactly the taken ones.
 */
export function assertSeatsFree(seats: readonly SeatState[]): void {
  const taken = seats.filter((s) => s.status !== 'free').map((s) => s.seatNo);
  if (taken.length > 0) {
    throw new DomainError('seats_unavailable', `Seats ${taken.join(', ')} are taken`, {
      seats: taken,
    });
  }
}

/**
 * assertCheckInNotPast refuses a stay whose `checkIn` (YYYY-MM-DD) is before today (UTC) at
 * `nowMs` (epoch ms).
 * @throws DomainError `validation_failed` (422) on `checkIn`.
 */
export function assertCheckInNotPast(checkIn: string, nowMs: number): void {
  const today = utcDate(nowMs);
  if (checkIn < today)
    throw invalidField('checkIn', `the check-in date is before today (${today})`, INVALID_BOOKING);
}

/**
 * assertWithinHorizon refuses a stay whose `checkOut` (YYYY-MM-DD) is more than
 * `horizonNights` (ROOM_HORIZON_NIGHTS) after today (UTC) at `nowMs` (epoch ms).
 * @throws DomainError `validation_failed` (422) on `checkOut`.
 */
export function assertWithinHorizon(checkOut: string, nowMs: number, horizonNights: number): void {
  const horizonEnd = utcDate(nowMs, horizonNights);
  if (checkOut > horizonEnd) {
    throw invalidField(
      'checkOut',
      `stays can be booked up to ${horizonEnd} (ROOM_HORIZON_NIGHTS)`,
      INVALID_BOOKING,
    );
  }
}

/** NightState is one room-night as its lock read it: units in all, held and booked. */
export interface NightState {
  /** night is the calendar date, YYYY-MM-DD. */
  night: string;
  units: number;
  held: number;
  booked: number;
}

/**
 * assertNightsFree refuses a stay when any night has no unit left (units − held − booked < 1).
 * @throws DomainError `rooms_unavailable` (409) with `nights`: exactly the full ones.
 */
export function assertNightsFree(nights: readonly NightState[]): void {
  const full = nights.filter((n) => n.units - n.held - n.booked < 1).map((n) => n.night);
  if (full.length > 0) {
    throw new DomainError('rooms_unavailable', `No room left on ${full.join(', ')}`, {
      nights: full,
    });
  }
}

/**
 * bookingAmountOf is what a booking costs in minor units: seat price × seats, or nightly rate
 * × nights. The schemas' bounds keep it far inside the range; the check keeps that so if
 * they grow (SPEC.md §1). @throws DomainError `amount_out_of_range` (422).
 */
export function bookingAmountOf(priceMinor: number, units: number): number {
  return totalOfLines([{ priceMinor, quantity: units }], 'the booking amount');
}
