import type { Transaction } from 'sequelize';
import {
  assertHoldRoom,
  CHECK_OUT_HOUR_UTC,
  nightsBetween,
  type BookingView,
  type SeatHoldRequest,
  type StayHoldRequest,
} from '../domain/bookings';
import {
  assertCheckInNotPast,
  assertNightsFree,
  assertNotDeparted,
  assertRoomTypeFound,
  assertScheduleFound,
  assertSeatsFree,
  assertSeatsOnBus,
  bookingAmountOf,
} from '../domain/booking-rules';
import { DomainError } from '../domain/errors';
import { ledgerTransferIds } from '../domain/workflow-ids';
import type { Db } from '../db/connection';
import { lockRoomNights, lockScheduleSeats, moveInventory } from '../db/booking-inventory';
import {
  BOOKINGS,
  ensureSellerRevenueAccount,
  findBooking,
  heldUnitsOf,
  lockCustomerHolds,
} from '../db/bookings';
import { insertSeatBooking, insertStayBooking } from '../db/bookings-placement';
import { postTransferInTx } from '../db/ledger-postings';
import { lockPayingWallet } from '../db/wallet-payment';
import { withTransaction } from '../db/transaction';
import { recordChange, transition } from '../db/transition';

/*
 * The booking activities (SPEC.md §6): each is one transaction that locks in the fixed order
 * customer (placements only: lockCustomerHolds) → bookings → schedule → seats (ascending) or
 * room type → nights (ascending) → accounts (ascending), and is idempotent under activity
 * retries.
 */

/** PlaceBookingDeps are what placeBooking needs: the database and the holding limit. */
export interface PlaceBookingDeps {
  db: Db;
  /** bookingHeldUnitsMax is BOOKING_HELD_UNITS_MAX (SPEC.md §10), the worker's configuration. */
  bookingHeldUnitsMax: number;
}

/** PlaceBookingActivityInput is what placeBooking holds, for whom and for how long. */
export interface PlaceBookingActivityInput {
  bookingId: string;
  customerId: string;
  workflowId: string;
  hold: SeatHoldRequest | StayHoldRequest;
  holdTtlMs: number;
}

/**
 * placeBooking holds seats or nights and inserts the `reserved` booking in one transaction
 * (SPEC.md §6); a retry returns the placed booking. The customer's placements run one at a
 * time (lockCustomerHolds first), so concurrent holds never pass BOOKING_HELD_UNITS_MAX
 * together (§10). @throws DomainError, see api/bookings/service.ts placeSeatBooking/placeStay.
 */
export async function placeBooking(
  deps: PlaceBookingDeps,
  input: PlaceBookingActivityInput,
): Promise<BookingView> {
  const { db } = deps;
  return withTransaction(db, 'place_booking', async (transaction) => {
    const existing = await findBooking(db, input.bookingId, transaction);
    if (existing) return existing;
    await lockCustomerHolds(db, transaction, input.customerId);
    const held = await heldUnitsOf(db, transaction, input.customerId);
    assertHoldRoom({
      heldUnits: held.units,
      earliestExpirySeconds: held.earliestExpirySeconds,
      hold: input.hold,
      heldUnitsMax: deps.bookingHeldUnitsMax,
    });
    if (input.hold.kind === 'seat') await holdSeats(db, transaction, input, input.hold);
    else await holdNights(db, transaction, input, input.hold);
    const booking = (await findBooking(db, input.bookingId, transaction))!;
    await recordChange(db, transaction, BOOKINGS, booking, 'reserved');
    return booking;
  });
}

/** holdSeats locks the schedule and seats, checks them, inserts the booking and holds them. */
async function holdSeats(
  db: Db,
  transaction: Transaction,
  input: PlaceBookingActivityInput,
  hold: SeatHoldRequest,
): Promise<void> {
  const seats = [...new Set(hold.seats)].sort((a, b) => a - b);
  const locked = await lockScheduleSeats(db, transaction, { scheduleId: hold.scheduleId, seats });
  const schedule = locked.schedule?.sellerApproved ? locked.schedule : undefined;
  assertScheduleFound(schedule);
  assertNotDeparted(schedule.departsAt.getTime(), Date.now());
  assertSeatsOnBus(hold.seats, schedule.seatCount);
  assertSeatsFree(locked.seats);
  await insertSeatBooking(db, transaction, {
    bookingId: input.bookingId,
    customerId: input.customerId,
    workflowId: input.workflowId,
    sellerId: schedule.sellerId,
    scheduleId: schedule.id,
    seats,
    amountMinor: bookingAmountOf(schedule.priceMinor, seats.length),
    currency: schedule.currency,
    endsAt: schedule.arrivesAt,
    holdTtlMs: input.holdTtlMs,
  });
}

/** holdNights locks the room type and nights, checks them, inserts the booking and holds them. */
async function holdNights(
  db: Db,
  transaction: Transaction,
  input: PlaceBookingActivityInput,
  hold: StayHoldRequest,
): Promise<void> {
  const nights = nightsBetween(hold.checkIn, hold.checkOut);
  assertCheckInNotPast(hold.checkIn, Date.now());
  const locked = await lockRoomNights(db, transaction, { roomTypeId: hold.roomTypeId, nights });
  const roomType = locked.roomType?.bookable ? locked.roomType : undefined;
  assertRoomTypeFound(roomType);
  assertNightsFree(locked.nights);
  const endsAt = new Date(`${hold.checkOut}T00:00:00Z`);
  endsAt.setUTCHours(CHECK_OUT_HOUR_UTC);
  await insertStayBooking(db, transaction, {
    bookingId: input.bookingId,
    customerId: input.customerId,
    workflowId: input.workflowId,
    sellerId: roomType.sellerId,
    roomTypeId: roomType.id,
    checkIn: hold.checkIn,
    checkOut: hold.checkOut,
    amountMinor: bookingAmountOf(roomType.priceMinor, nights.length),
    currency: roomType.currency,
    endsAt,
    holdTtlMs: input.holdTtlMs,
  });
}

/** PayBookingActivityInput pays a booking from `accountId` with the transfer `transferId`. */
export interface PayBookingActivityInput {
  bookingId: string;
  accountId: string;
  transferId: string;
  actorId: string;
}

/**
 * payBooking confirms a reserved booking in one transaction: wallet → seller revenue with the
 * transfer `transferId`, held seats or nights become booked, `confirmed` is stamped. A retry
 * returns the confirmed booking; a hold past `expiresAt` is refused even before its timer.
 * @throws DomainError, see api/bookings/service.ts confirmBooking.
 */
export async function payBooking(db: Db, input: PayBookingActivityInput): Promise<BookingView> {
  const probe = await findBooking(db, input.bookingId);
  if (!probe) throw new DomainError('not_found', `Booking ${input.bookingId} does not exist`);
  return transition(db, BOOKINGS, {
    id: input.bookingId,
    target: 'confirmed',
    async apply(transaction, booking) {
      if (Date.parse(booking.expiresAt) <= Date.now())
        BOOKINGS.machine.assertTransition('expired', 'confirmed');
      await moveInventory(db, transaction, booking, { move: 'book', from: booking.status });
      // Opened on first use in this transaction, so a refused payment leaves no account behind.
      const revenueId = await ensureSellerRevenueAccount(db, booking, transaction);
      // The service refused a foreign wallet first (assertOwnWallet); this is the check that counts.
      await lockPayingWallet(db, transaction, {
        payable: 'booking',
        accountId: input.accountId,
        customerId: booking.customerId,
        currency: booking.currency,
        amountMinor: booking.amountMinor,
        revenueId,
      });
      if (booking.amountMinor === 0) return { paymentAccountId: input.accountId };
      await postTransferInTx(db, transaction, {
        id: input.transferId,
        kind: 'booking_payment',
        fromAccountId: input.accountId,
        toAccountId: revenueId,
        amountMinor: booking.amountMinor,
        description: `payment of booking ${booking.id}`,
        initiatedBy: input.actorId,
      });
      return { paymentAccountId: input.accountId, paymentTransferId: input.transferId };
    },
  });
}

/**
 * cancelBooking releases what a reserved or confirmed booking holds and, when it was paid,
 * refunds the payment exactly once (transfer `booking-<id>-refund`, seller revenue → the paying
 * wallet), in one transaction. Cancelling a cancelled booking returns it unchanged (a retry).
 * @throws DomainError `invalid_transition` (409) from completed or expired.
 */
export async function cancelBooking(
  db: Db,
  input: { bookingId: string; actorId: string },
): Promise<BookingView> {
  const probe = await findBooking(db, input.bookingId);
  if (!probe) throw new DomainError('not_found', `Booking ${input.bookingId} does not exist`);
  const revenueId = probe.paymentTransferId ? await ensureSellerRevenueAccount(db, probe) : null;
  return transition(db, BOOKINGS, {
    id: input.bookingId,
    target: 'cancelled',
    async apply(transaction, booking) {
      await moveInventory(db, transaction, booking, { move: 'release', from: booking.status });
      if (!booking.paymentTransferId) return;
      if (!revenueId || !booking.paymentAccountId)
        throw new Error(`paid booking ${booking.id} has no payment account`);
      const refund = await postTransferInTx(db, transaction, {
        id: ledgerTransferIds.bookingRefund(booking.id),
        kind: 'booking_refund',
        fromAccountId: revenueId,
        toAccountId: booking.paymentAccountId,
        amountMinor: booking.amountMinor,
        description: `refund of booking ${booking.id}`,
        initiatedBy: input.actorId,
      });
      return { refundTransferId: refund.id };
    },
  });
}

/**
 * expireBooking is run by the booking workflow's hold timer: a booking still `reserved`
 * becomes `expired` and its seats or nights are released; any other is returned unchanged.
 */
export async function expireBooking(db: Db, input: { bookingId: string }): Promise<BookingView> {
  return transition(db, BOOKINGS, {
    id: input.bookingId,
    target: 'expired',
    isDone: (b) => b.status !== 'reserved',
    apply: (transaction, booking) =>
      moveInventory(db, transaction, booking, { move: 'release', from: booking.status }),
  });
}

/**
 * completeBooking is run by the booking workflow's timer at arrival or check-out: a
 * `confirmed` booking becomes `completed` (its seats or nights stay booked, as history); any
 * other is returned unchanged.
 */
export async function completeBooking(db: Db, input: { bookingId: string }): Promise<BookingView> {
  return transition(db, BOOKINGS, {
    id: input.bookingId,
    target: 'completed',
    isDone: (b) => b.status !== 'confirmed',
  });
}
