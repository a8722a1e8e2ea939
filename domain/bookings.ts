import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { DAY_MS } from './duration';
import { DomainError, invalidField } from './errors';
import { defineStateMachine } from './state-machine';

/*
 * The booking contract (SPEC.md §6), shared by the API, the activities and the booking
 * workflow: statuses and their state machine, the API shape of a booking, the workflow's input
 * and its Updates. Safe for workflow code: no I/O, no zod (domain/bookings-schemas.ts).
 */

/** BookingStatus is a booking's lifecycle state (SPEC.md §6). */
export type BookingStatus = 'reserved' | 'confirmed' | 'completed' | 'cancelled' | 'expired';

/** BOOKING_STATUSES lists every BookingStatus, in lifecycle order. */
export const BOOKING_STATUSES = [
  'reserved',
  'confirmed',
  'completed',
  'cancelled',
  'expired',
] as const;

/** BookingKind is what a booking holds: bus seats on one schedule, or a stay of room-nights. */
export type BookingKind = 'seat' | 'stay';

/**
 * BOOKING_MACHINE is the booking state machine of SPEC.md §6: `reserved → confirmed →
 * completed`, `reserved → expired`, `reserved|confirmed → cancelled`. A missing edge is 409
 * `booking_expired` (confirming an expired hold) or `invalid_transition`.
 */
export const BOOKING_MACHINE = defineStateMachine<BookingStatus>(
  {
    reserved: ['confirmed', 'cancelled', 'expired'],
    confirmed: ['completed', 'cancelled'],
    completed: [],
    cancelled: [],
    expired: [],
  },
  (from, to) =>
    from === 'expired' && to === 'confirmed'
      ? new DomainError('booking_expired', 'The booking’s hold expired before it was confirmed', {
          bookingStatus: from,
        })
      : new DomainError('invalid_transition', `A booking cannot go from ${from} to ${to}`, {
          bookingStatus: from,
          requested: to,
        }),
);

/** INVALID_BOOKING is the summary (`detail`) of every 422 refusal of a booking request. */
export const INVALID_BOOKING = 'The booking request is not valid';

/** SEATS_PER_BOOKING_MAX bounds the seats of one bus booking. */
export const SEATS_PER_BOOKING_MAX = 10;
/** STAY_NIGHTS_MAX bounds the nights of one stay. */
export const STAY_NIGHTS_MAX = 30;
/**
 * CHECK_OUT_HOUR_UTC is the hour of the check-out day at which a stay ends and its booking is
 * stamped `completed` (properties carry no time zone; noon UTC is the convention here).
 */
export const CHECK_OUT_HOUR_UTC = 12;

/** BookingView is the API shape of a booking (SPEC.md §6); times are ISO-8601 UTC strings. */
export interface BookingView {
  id: string;
  customerId: string;
  kind: BookingKind;
  status: BookingStatus;
  sellerId: string;
  /** scheduleId and seats are set for a seat booking, null for a stay. */
  scheduleId: string | null;
  seats: number[] | null;
  /** roomTypeId, checkIn and checkOut (YYYY-MM-DD) are set for a stay, null for seats. */
  roomTypeId: string | null;
  checkIn: string | null;
  checkOut: string | null;
  /** nights is the number of nights of a stay, null for seats. */
  nights: number | null;
  amountMinor: number;
  currency: string;
  workflowId: string;
  paymentAccountId: string | null;
  paymentTransferId: string | null;
  refundTransferId: string | null;
  /** endsAt is the arrival or check-out instant, when the booking becomes `completed`. */
  endsAt: string;
  reservedAt: string;
  expiresAt: string;
  confirmedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  expiredAt: string | null;
  deletedAt: string | null;
  createdAt: string;
}

/** SeatHoldRequest asks for seats on one bus schedule (seat numbers from 1). */
export interface SeatHoldRequest {
  kind: 'seat';
  scheduleId: string;
  seats: number[];
}

/** StayHoldRequest asks for one unit of a room type for every night in [checkIn, checkOut). */
export interface StayHoldRequest {
  kind: 'stay';
  roomTypeId: string;
  /** checkIn and checkOut are calendar dates, YYYY-MM-DD. */
  checkIn: string;
  checkOut: string;
}

/** HoldRequest is what a booking holds when it is placed. */
export type HoldRequest = SeatHoldRequest | StayHoldRequest;

/** BookingWorkflowInput starts `booking-<bookingId>`: what to hold and for how long. */
export interface BookingWorkflowInput {
  bookingId: string;
  customerId: string;
  actorId: string;
  hold: HoldRequest;
  /** holdTtlMs is how long the booking stays unconfirmed before its timer expires it (BOOKING_HOLD_TTL). */
  holdTtlMs: number;
}

/** ConfirmBookingInput asks to pay a booking from the customer's wallet account. */
export interface ConfirmBookingInput {
  accountId: string;
  actorId: string;
}

/** BookingActorInput is the argument of the cancel Update: who asks for it. */
export interface BookingActorInput {
  actorId: string;
}

/** placeBookingUpdate places the booking (holds seats or nights) and returns it; Update-with-Start. */
export const placeBookingUpdate = defineUpdate<BookingView>('place');
/** confirmBookingUpdate pays the booking once through `booking-<id>-payment`; concurrent calls share it. */
export const confirmBookingUpdate = defineUpdate<BookingView, [ConfirmBookingInput]>('confirm');
/** cancelBookingUpdate cancels the booking, releasing what it holds and refunding a payment. */
export const cancelBookingUpdate = defineUpdate<BookingView, [BookingActorInput]>('cancel');
/** bookingStatusQuery returns the workflow's view of the status (undefined before placement). */
export const bookingStatusQuery = defineQuery<BookingStatus | 'rejected' | undefined>('status');

/**
 * nightsBetween lists the nights of a stay, [checkIn, checkOut) as YYYY-MM-DD in ascending
 * order: the lock order of room-nights (ARCHITECTURE.md "Rules"). nightCount counts them.
 */
export function nightsBetween(checkIn: string, checkOut: string): string[] {
  const nights: string[] = [];
  const end = Date.parse(`${checkOut}T00:00:00Z`);
  for (let t = Date.parse(`${checkIn}T00:00:00Z`); t < end; t += DAY_MS) {
    nights.push(new Date(t).toISOString().slice(0, 10));
  }
  return nights;
}

/**
 * nightCount is the number of nights from `checkIn` to `checkOut` (YYYY-MM-DD, UTC days),
 * computed without listing them, so an unchecked request's span costs nothing to measure.
 */
export function nightCount(checkIn: string, checkOut: string): number {
  return Math.round(
    (Date.parse(`${checkOut}T00:00:00Z`) - Date.parse(`${checkIn}T00:00:00Z`)) / DAY_MS,
  );
}

/**
 * holdUnitsOf counts what a hold request takes from the holding limit (SPEC.md §10): one unit
 * per distinct seat, or per night of a stay.
 */
export function holdUnitsOf(hold: HoldRequest): number {
  if (hold.kind === 'seat') return new Set(hold.seats).size;
  return nightsBetween(hold.checkIn, hold.checkOut).length;
}

/** HoldRoomInput is a placement measured against BOOKING_HELD_UNITS_MAX. */
export interface HoldRoomInput {
  /** heldUnits are the seats plus room-nights the customer's unexpired `reserved` bookings hold. */
  heldUnits: number;
  /** earliestExpirySeconds is the whole seconds (≥ 1) until the first of them expires; null when none. */
  earliestExpirySeconds: number | null;
  hold: HoldRequest;
  heldUnitsMax: number;
}

/**
 * assertHoldRoom lets a placement through when the customer's holds plus it stay within
 * BOOKING_HELD_UNITS_MAX (SPEC.md §10). @throws DomainError `validation_failed` (422) when the
 * request alone is larger; else `hold_limit` (429, `retryAfterSeconds` until the earliest hold
 * expires, `heldUnits`, `requestedUnits`, `heldUnitsMax`).
 */
export function assertHoldRoom(input: HoldRoomInput): void {
  const { heldUnits, heldUnitsMax } = input;
  const requestedUnits = holdUnitsOf(input.hold);
  if (requestedUnits > heldUnitsMax) {
    throw invalidField(
      input.hold.kind === 'seat' ? 'seats' : 'checkOut',
      `at most ${heldUnitsMax} seats plus room-nights are held at once (BOOKING_HELD_UNITS_MAX)`,
      INVALID_BOOKING,
    );
  }
  if (heldUnits + requestedUnits <= heldUnitsMax) return;
  if (input.earliestExpirySeconds === null)
    throw new Error(`customer holds ${heldUnits} units without an expiry`);
  throw new DomainError(
    'hold_limit',
    `Your unconfirmed bookings hold ${heldUnits} of ${heldUnitsMax} seats and room-nights; confirm or cancel one, or retry when a hold expires`,
    { heldUnits, requestedUnits, heldUnitsMax, retryAfterSeconds: input.earliestExpirySeconds },
  );
}
