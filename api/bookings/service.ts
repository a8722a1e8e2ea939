import { findBooking, softDeleteBooking } from '../../db/bookings';
import { findAccount } from '../../db/ledger';
import { findRoomTypeForBooking, findVisibleSchedule } from '../../db/travel';
import {
  assertCheckInNotPast,
  assertNotDeparted,
  assertRoomTypeFound,
  assertScheduleFound,
  assertSeatsOnBus,
  assertWithinHorizon,
} from '../../domain/booking-rules';
import {
  BOOKING_MACHINE,
  cancelBookingUpdate,
  confirmBookingUpdate,
  placeBookingUpdate,
  type BookingStatus,
  type BookingView,
  type HoldRequest,
} from '../../domain/bookings';
import type { PlaceSeatBookingBody, PlaceStayBody } from '../../domain/bookings-schemas';
import { DomainError } from '../../domain/errors';
import { assertPaysFromOwnWallet } from '../../domain/ledger-rules';
import { CustomerIdKey } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { bookingWorkflow } from '../../workflows/bookings';
import { assertRole, type AuthUser } from '../middleware/auth';
import { idempotentUpdateId } from '../middleware/idempotency';
import type { ApiDeps } from '../router';
import { sendEntityUpdate, startWithUpdate, type EntityUpdateInput } from '../temporal-kit';

/*
 * The booking service (SPEC.md §6): what the booking routes call. Placement is an
 * Update-with-Start on `booking-<id>`; confirm and cancel are Updates to that workflow.
 * Everything a request can get wrong is checked before the workflow starts.
 */

/**
 * placeSeatBooking checks the schedule and seats, then holds the seats with the `place`
 * Update (Update-with-Start, REJECT_DUPLICATE) → the `reserved` booking with `expiresAt`.
 * @throws DomainError `not_found` (404: unknown schedule, or its operator not approved),
 *   `validation_failed` (422: departed, or a seat beyond the bus), `seats_unavailable` (409).
 */
export async function placeSeatBooking(
  deps: ApiDeps,
  input: { user: AuthUser; body: PlaceSeatBookingBody; bookingId: string },
): Promise<BookingView> {
  const { scheduleId, seats } = input.body;
  const schedule = await findVisibleSchedule(deps.db, scheduleId, { visibleOnly: true });
  assertScheduleFound(schedule);
  assertNotDeparted(Date.parse(schedule.departsAt), Date.now());
  assertSeatsOnBus(seats, schedule.seatCount);
  return placeBooking(deps, input, { kind: 'seat', scheduleId, seats });
}

/**
 * placeStay checks the dates against today (UTC) and the bookable horizon
 * (ROOM_HORIZON_NIGHTS) and the room type, then holds one unit per night with the `place`
 * Update → the `reserved` stay.
 * @throws DomainError `not_found` (404: unknown room type, inactive property or unapproved
 *   owner), `validation_failed` (422: past check-in, beyond the horizon), `rooms_unavailable` (409).
 */
export async function placeStay(
  deps: ApiDeps,
  input: { user: AuthUser; body: PlaceStayBody; bookingId: string },
): Promise<BookingView> {
  const { roomTypeId, checkIn, checkOut } = input.body;
  const nowMs = Date.now();
  assertCheckInNotPast(checkIn, nowMs);
  assertWithinHorizon(checkOut, nowMs, deps.config.roomHorizonNights);
  const found = await findRoomTypeForBooking(deps.db, roomTypeId);
  assertRoomTypeFound(found?.sellerApproved && found.propertyActive ? found : undefined);
  return placeBooking(deps, input, { kind: 'stay', roomTypeId, checkIn, checkOut });
}

/** placeBooking starts `booking-<id>` with the `place` Update and returns the placed booking. */
async function placeBooking(
  deps: ApiDeps,
  input: { user: AuthUser; bookingId: string },
  hold: HoldRequest,
): Promise<BookingView> {
  const { user, bookingId } = input;
  return startWithUpdate(deps.temporal, {
    workflow: bookingWorkflow,
    workflowId: workflowIds.booking(bookingId),
    taskQueue: deps.config.taskQueue,
    args: [
      {
        bookingId,
        customerId: user.sub,
        actorId: user.sub,
        hold,
        holdTtlMs: deps.config.bookingHoldTtlMs,
      },
    ],
    update: placeBookingUpdate,
    updateArgs: [],
    reusePolicy: 'REJECT_DUPLICATE',
    searchAttributes: [{ key: CustomerIdKey, value: user.sub }],
    readStored: () => findBooking(deps.db, bookingId),
  });
}

/**
 * visibleBooking reads a booking the caller may see: its customer or staff; a soft-deleted
 * booking only staff.
 * @throws DomainError `forbidden` (403) for operators, `not_found` (404) for anyone else, as
 *   for a missing booking.
 */
export async function visibleBooking(
  deps: ApiDeps,
  user: AuthUser,
  bookingId: string,
): Promise<BookingView> {
  // Only customers hold bookings, so an operator is the wrong role (SPEC.md §1: 403), not a
  // stranger to hide the booking from; GET /v1/bookings/:id answered operators 404 before.
  assertRole(user, ['customer', 'staff']);
  const booking = await findBooking(deps.db, bookingId);
  const mine = booking?.customerId === user.sub && booking.deletedAt === null;
  if (!booking || (user.role !== 'staff' && !mine))
    throw new DomainError('not_found', 'No such booking');
  return booking;
}

/** BookingActionRequest is a caller's request to act on one booking (confirm, cancel). */
export interface BookingActionRequest {
  user: AuthUser;
  bookingId: string;
}

/**
 * assertOwnWallet checks, before anything is sent, that the customer pays from their own wallet.
 * @throws DomainError `not_found` (404) for a missing account or someone else's alike (SPEC.md
 *   §1), `validation_failed` (422) for their own account of another kind.
 */
export async function assertOwnWallet(
  deps: ApiDeps,
  user: AuthUser,
  accountId: string,
): Promise<void> {
  assertPaysFromOwnWallet(await findAccount(deps.db, accountId), user.sub, 'booking');
}

/**
 * confirmBooking pays the caller's reserved booking from their wallet `accountId` once,
 * through `booking-<id>-payment` → `confirmed`. A refusal leaves the hold until its timer.
 * @throws DomainError `not_found` (404: the booking or the wallet is not the caller's),
 *   `insufficient_funds`, `booking_expired`, `invalid_transition` (409), `validation_failed`
 *   (422: not a wallet), `currency_mismatch` (422).
 */
export async function confirmBooking(
  deps: ApiDeps,
  input: BookingActionRequest & { accountId: string },
): Promise<BookingView> {
  const { user, accountId } = input;
  const booking = await visibleBooking(deps, user, input.bookingId);
  if (booking.customerId !== user.sub) throw new DomainError('not_found', 'No such booking');
  await assertOwnWallet(deps, user, accountId);
  return sendBookingUpdate(deps, booking.id, 'confirmed', {
    update: confirmBookingUpdate,
    args: [{ accountId, actorId: user.sub }],
    updateId: idempotentUpdateId('booking-confirm'),
  });
}

/**
 * cancelBooking cancels a reserved or confirmed booking (its customer or staff): its seats or
 * nights return, and a payment is refunded exactly once.
 * @throws DomainError `not_found` (404), `invalid_transition` (409).
 */
export async function cancelBooking(
  deps: ApiDeps,
  input: BookingActionRequest,
): Promise<BookingView> {
  const booking = await visibleBooking(deps, input.user, input.bookingId);
  return sendBookingUpdate(deps, booking.id, 'cancelled', {
    update: cancelBookingUpdate,
    args: [{ actorId: input.user.sub }],
    updateId: idempotentUpdateId('booking-cancel'),
  });
}

/**
 * deleteBooking soft-deletes a finished booking (staff): `deletedAt` is stamped, it leaves
 * every list and stays in the ledger.
 * @throws DomainError `not_found` (404), `invalid_transition` (409) while reserved or confirmed.
 */
export async function deleteBooking(deps: ApiDeps, bookingId: string): Promise<BookingView> {
  return softDeleteBooking(deps.db, bookingId);
}

/** BookingUpdate is one Update to `booking-<id>` with its arguments and its Update ID. */
type BookingUpdate<Args extends [unknown]> = Pick<
  EntityUpdateInput<BookingStatus, BookingView, Args>,
  'update' | 'args' | 'updateId'
>;

/** sendBookingUpdate sends an Update to `booking-<id>` that should bring it to `target`. */
function sendBookingUpdate<Args extends [unknown]>(
  deps: ApiDeps,
  bookingId: string,
  target: BookingStatus,
  update: BookingUpdate<Args>,
): Promise<BookingView> {
  return sendEntityUpdate(deps.temporal, {
    ...update,
    workflowId: workflowIds.booking(bookingId),
    machine: BOOKING_MACHINE,
    target,
    read: () => findBooking(deps.db, bookingId),
  });
}
