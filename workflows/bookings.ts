import {
  allHandlersFinished,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  BOOKING_MACHINE,
  bookingStatusQuery,
  cancelBookingUpdate,
  confirmBookingUpdate,
  placeBookingUpdate,
  type BookingStatus,
  type BookingView,
  type BookingWorkflowInput,
} from '../domain/bookings';
import { AmountMinorKey, BookingStatusKey } from '../domain/search-attributes';
import { workflowIds } from '../domain/workflow-ids';
import {
  DB_ACTIVITY_OPTIONS,
  DB_LOCAL_ACTIVITY_OPTIONS,
  payOnceChild,
  StatefulEntity,
  statusHooks,
} from './kit';

const acts = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);
const localActs = proxyLocalActivities<Activities>(DB_LOCAL_ACTIVITY_OPTIONS);

/** BookingEntity is a booking inside its workflow: its value follows BOOKING_MACHINE. */
type BookingEntity = StatefulEntity<BookingStatus, BookingView>;

/** BookingWorkflowResult is how a booking workflow ended: its final status. */
export interface BookingWorkflowResult {
  status: BookingStatus;
}

/**
 * bookingWorkflow (`booking-<bookingId>`) is one seat booking or stay (SPEC.md §6): `place`
 * (Update-with-Start) holds in a local activity; the hold timer expires it unless `confirm`
 * pays through `booking-<id>-payment`; `cancel` releases and refunds; a timer at arrival or
 * check-out completes it. A refused placement fails the run with its Refusal.
 */
export async function bookingWorkflow(input: BookingWorkflowInput): Promise<BookingWorkflowResult> {
  const booking: BookingEntity = new StatefulEntity(
    () =>
      localActs.placeBooking({
        bookingId: input.bookingId,
        customerId: input.customerId,
        workflowId: workflowIds.booking(input.bookingId),
        hold: input.hold,
        holdTtlMs: input.holdTtlMs,
      }),
    BOOKING_MACHINE,
    statusHooks(BookingStatusKey, {
      atPlacement: (placed) => [{ key: AmountMinorKey, value: placed.amountMinor }],
      rejectedAs: 'rejected',
    }),
  );
  registerBookingHandlers(input, booking);
  await booking.settle();
  if (booking.refusal) {
    await condition(allHandlersFinished);
    throw booking.refusal;
  }
  await expireUnlessConfirmed(input, booking);
  await completeWhenDue(input, booking);
  const status = await booking.settledInTerminal();
  await condition(allHandlersFinished);
  return { status };
}

/**
 * registerBookingHandlers wires the booking's Updates to the Entity: `place` answers with the
 * placed booking, `confirm` runs the child `booking-<id>-payment` (concurrent confirms share
 * one outcome: the first pays, the rest find it confirmed), `cancel` releases and refunds;
 * each checks the state machine first.
 */
function registerBookingHandlers(input: BookingWorkflowInput, booking: BookingEntity) {
  const { bookingId } = input;
  setHandler(placeBookingUpdate, () => booking.placed());
  setHandler(confirmBookingUpdate, ({ accountId, actorId }) =>
    booking.payOnce('confirmed', {
      child: bookingPaymentWorkflow,
      workflowId: workflowIds.bookingPayment(bookingId),
      input: { bookingId, accountId, actorId },
    }),
  );
  setHandler(cancelBookingUpdate, ({ actorId }) =>
    booking.moveTo('cancelled', () => acts.cancelBooking({ bookingId, actorId })),
  );
  setHandler(bookingStatusQuery, () =>
    booking.refusal ? 'rejected' : booking.placedValue?.status,
  );
}

/**
 * expireUnlessConfirmed waits up to the hold TTL for the booking to leave `reserved`; when the
 * timer wins, it lets an in-flight write finish, then expires the booking.
 */
async function expireUnlessConfirmed(input: BookingWorkflowInput, booking: BookingEntity) {
  await booking.changeWhenDue(
    input.holdTtlMs,
    (current) => current.status === 'reserved',
    () => acts.expireBooking({ bookingId: input.bookingId }),
  );
}

/**
 * completeWhenDue waits, for a confirmed booking, until its arrival or check-out (`endsAt`,
 * measured on workflow time) unless it is cancelled first, then stamps it `completed`.
 */
async function completeWhenDue(input: BookingWorkflowInput, booking: BookingEntity) {
  if (booking.current.status !== 'confirmed') return;
  await booking.changeWhenDue(
    Math.max(1, Date.parse(booking.current.endsAt) - Date.now()),
    (current) => current.status === 'confirmed',
    () => acts.completeBooking({ bookingId: input.bookingId }),
  );
}

/** BookingPaymentInput names the booking to pay and the wallet to debit. */
export interface BookingPaymentInput {
  bookingId: string;
  accountId: string;
  actorId: string;
}

/**
 * bookingPaymentWorkflow (`booking-<id>-payment`) pays a booking once: its ledger transfer ID
 * is its own workflow ID (SPEC.md §6), so retries and duplicate runs debit the wallet once. A
 * refusal (insufficient funds, expired hold …) fails this run with its Refusal, and a later
 * run with the same ID may retry (reuse policy ALLOW_DUPLICATE_FAILED_ONLY); the hold stays
 * until its timer.
 */
export async function bookingPaymentWorkflow(input: BookingPaymentInput): Promise<BookingView> {
  return payOnceChild({ activity: acts.payBooking, local: localActs.payBooking }, input);
}
