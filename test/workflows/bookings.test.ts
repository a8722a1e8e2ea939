import { randomUUID } from 'node:crypto';
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { PlaceBookingActivityInput } from '../../activities/bookings';
import {
  bookingStatusQuery,
  cancelBookingUpdate,
  confirmBookingUpdate,
  placeBookingUpdate,
  type BookingView,
  type ConfirmBookingInput,
  type SeatHoldRequest,
} from '../../domain/bookings';
import { DAY_MS } from '../../domain/duration';
import { DomainError } from '../../domain/errors';
import { AmountMinorKey, BookingStatusKey } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { bookingWorkflow } from '../../workflows/bookings';
import {
  ActivityLog,
  Gates,
  rejectionOf,
  searchAttributeOf,
  updateWithStart,
  useWorkflowWorker,
} from '../helpers/workflow-worker';

/*
 * bookingWorkflow and its child bookingPaymentWorkflow with mocked activities: a Map stands in
 * for the bookings table, so each mock returns the booking as the real activity would have
 * left it. Timers run on the real dev server, so they are tested with short TTLs and `endsAt`.
 */

const SEAT_PRICE_MINOR = 2_400;
const LONG_TTL_MS = 10 * 60_000;
const SHORT_TTL_MS = 2_000;

const log = new ActivityLog();
const gates = new Gates();
const bookingsById = new Map<string, BookingView>();
const endsInMsById = new Map<string, number>();
const firstFailures = new Map<string, DomainError>();

const env = useWorkflowWorker({
  taskQueuePrefix: 'wf-bookings',
  beforeStop: () => gates.openAll(),
  activities: log.record({
    async placeBooking(input) {
      await gates.pass('placeBooking', input.bookingId);
      throwIfFailing('placeBooking', input.bookingId);
      const placed = bookingsById.get(input.bookingId) ?? reservedBooking(input);
      bookingsById.set(input.bookingId, placed);
      return placed;
    },
    async payBooking(input) {
      await gates.pass('payBooking', input.bookingId);
      throwIfFailing('payBooking', input.bookingId);
      const paid = { paymentAccountId: input.accountId, paymentTransferId: input.transferId };
      return moveBooking(input.bookingId, { status: 'confirmed', confirmedAt: now(), ...paid });
    },
    async cancelBooking(input) {
      await gates.pass('cancelBooking', input.bookingId);
      return moveBooking(input.bookingId, { status: 'cancelled', cancelledAt: now() });
    },
    async expireBooking(input) {
      await gates.pass('expireBooking', input.bookingId);
      return moveBooking(input.bookingId, { status: 'expired', expiredAt: now() }, 'reserved');
    },
    async completeBooking(input) {
      await gates.pass('completeBooking', input.bookingId);
      return moveBooking(input.bookingId, { status: 'completed', completedAt: now() }, 'confirmed');
    },
  }),
});

/** FailingActivity names the mocks that failFirstCall can make refuse. */
type FailingActivity = 'placeBooking' | 'payBooking';

/** failFirstCall makes the next call of `name` about `bookingId` refuse with `refusal`. */
function failFirstCall(name: FailingActivity, bookingId: string, refusal: DomainError): void {
  firstFailures.set(`${name}:${bookingId}`, refusal);
}

/** throwIfFailing throws, once, the refusal set by failFirstCall, as its Refusal. */
function throwIfFailing(name: FailingActivity, bookingId: string): void {
  const refusal = firstFailures.get(`${name}:${bookingId}`);
  if (!refusal) return;
  firstFailures.delete(`${name}:${bookingId}`);
  throw refusal.toFailure();
}

/** now is the current instant as the ISO-8601 string a BookingView holds. */
function now(): string {
  return new Date().toISOString();
}

/**
 * reservedBooking is the canned `reserved` seat booking the placeBooking activity returns; it
 * ends (arrives) `endsInMsById` ms from now, a day when the test set nothing.
 */
function reservedBooking(input: PlaceBookingActivityInput): BookingView {
  const hold = input.hold as SeatHoldRequest;
  const endsInMs = endsInMsById.get(input.bookingId) ?? DAY_MS;
  return {
    id: input.bookingId,
    customerId: input.customerId,
    kind: 'seat',
    status: 'reserved',
    sellerId: `seller-of-${hold.scheduleId}`,
    scheduleId: hold.scheduleId,
    seats: [...hold.seats].sort((a, b) => a - b),
    roomTypeId: null,
    checkIn: null,
    checkOut: null,
    nights: null,
    amountMinor: SEAT_PRICE_MINOR * hold.seats.length,
    currency: 'EUR',
    workflowId: input.workflowId,
    paymentAccountId: null,
    paymentTransferId: null,
    refundTransferId: null,
    endsAt: new Date(Date.now() + endsInMs).toISOString(),
    reservedAt: now(),
    expiresAt: new Date(Date.now() + input.holdTtlMs).toISOString(),
    confirmedAt: null,
    completedAt: null,
    cancelledAt: null,
    expiredAt: null,
    deletedAt: null,
    createdAt: now(),
  };
}

/**
 * moveBooking stores and returns the placed booking with `change` applied; with `onlyFrom`,
 * a booking in another status is returned unchanged (as expireBooking and completeBooking do).
 */
function moveBooking(
  bookingId: string,
  change: Partial<BookingView>,
  onlyFrom?: BookingView['status'],
): BookingView {
  const stored = bookingsById.get(bookingId);
  if (!stored) throw new Error(`mock: booking ${bookingId} was never placed`);
  if (onlyFrom && stored.status !== onlyFrom) return stored;
  const moved = { ...stored, ...change };
  bookingsById.set(bookingId, moved);
  return moved;
}

/** seatHold asks for seats 2 and 5 on a schedule of the booking's own. */
function seatHold(bookingId: string): SeatHoldRequest {
  return { kind: 'seat', scheduleId: `schedule-of-${bookingId}`, seats: [5, 2] };
}

/** placeBooking starts `booking-<bookingId>` with its `place` Update, as POST /v1/bookings does. */
function placeBooking(bookingId: string, holdTtlMs: number) {
  const customerId = `customer-of-${bookingId}`;
  return updateWithStart(env, {
    workflow: bookingWorkflow,
    workflowId: workflowIds.booking(bookingId),
    args: [{ bookingId, customerId, actorId: customerId, hold: seatHold(bookingId), holdTtlMs }],
    update: placeBookingUpdate,
    updateArgs: [],
  });
}

/** placedBooking places a two-seat booking and returns it, its ID and its workflow's handle. */
async function placedBooking(bookingId = randomUUID(), holdTtlMs = LONG_TTL_MS) {
  const placed = await placeBooking(bookingId, holdTtlMs);
  const handle = env.client.workflow.getHandle(workflowIds.booking(bookingId));
  return { bookingId, placed, handle };
}

/** confirmArgs are the `confirm` Update's arguments: the customer's wallet for this booking. */
function confirmArgs(bookingId: string): [ConfirmBookingInput] {
  return [{ accountId: `wallet-${bookingId}`, actorId: 'customer' }];
}

/** childrenStartedBy lists the workflow IDs of the child runs a workflow's history started. */
async function childrenStartedBy(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((event) => {
    const started = event.startChildWorkflowExecutionInitiatedEventAttributes;
    return started ? [started.workflowId ?? ''] : [];
  });
}

describe('bookingWorkflow: placement', () => {
  it('when a booking is placed by Update-with-Start, then the Update answers the reserved booking and the search attributes follow', async () => {
    const bookingId = randomUUID();

    const { placed, handle } = await placedBooking(bookingId);

    expect(placed).toMatchObject({
      id: bookingId,
      status: 'reserved',
      seats: [2, 5],
      amountMinor: 2 * SEAT_PRICE_MINOR,
      workflowId: `booking-${bookingId}`,
    });
    expect(log.inputsOf('placeBooking', bookingId)).toEqual([
      {
        bookingId,
        customerId: `customer-of-${bookingId}`,
        workflowId: `booking-${bookingId}`,
        hold: seatHold(bookingId),
        holdTtlMs: LONG_TTL_MS,
      },
    ]);
    expect(await handle.query(bookingStatusQuery)).toBe('reserved');
    expect(await searchAttributeOf(handle, BookingStatusKey)).toBe('reserved');
    expect(await searchAttributeOf(handle, AmountMinorKey)).toBe(2 * SEAT_PRICE_MINOR);
  });

  it('when placeBooking refuses with seats_unavailable, then the place Update and the run fail with that code and extra', async () => {
    const bookingId = randomUUID();
    failFirstCall(
      'placeBooking',
      bookingId,
      new DomainError('seats_unavailable', 'Seats 2 are taken', { seats: [2] }),
    );

    const update = await rejectionOf(placeBooking(bookingId, LONG_TTL_MS));
    const handle = env.client.workflow.getHandle(workflowIds.booking(bookingId));
    const run = await rejectionOf(handle.result());

    expect(update.error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((update.error as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
    expect((update.error as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'seats_unavailable',
      nonRetryable: true,
    });
    expect(update.refusal).toMatchObject({ code: 'seats_unavailable', status: 409 });
    expect(update.refusal?.extra).toEqual({ seats: [2] });
    expect(run.refusal).toMatchObject({ code: 'seats_unavailable', status: 409 });
    expect(run.refusal?.extra).toEqual({ seats: [2] });
    expect((await handle.describe()).status.name).toBe('FAILED');
    expect(log.inputsOf('placeBooking', bookingId)).toHaveLength(1);
    expect(await searchAttributeOf(handle, BookingStatusKey)).toBe('rejected');
  });
});

describe('bookingWorkflow: confirm and cancel', () => {
  it('when 10 confirm Updates arrive together, then one payment child runs payBooking once and all 10 get the confirmed booking', async () => {
    const { bookingId, handle } = await placedBooking();
    gates.close('payBooking', bookingId);

    const pending = await Promise.all(
      Array.from({ length: 10 }, () =>
        handle.startUpdate(confirmBookingUpdate, {
          args: confirmArgs(bookingId),
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        }),
      ),
    );
    gates.open('payBooking', bookingId);
    const confirmed = await Promise.all(pending.map((update) => update.result()));

    expect(log.inputsOf('payBooking', bookingId)).toEqual([
      {
        bookingId,
        accountId: `wallet-${bookingId}`,
        actorId: 'customer',
        transferId: `booking-${bookingId}-payment`,
      },
    ]);
    expect(new Set(confirmed.map((booking) => JSON.stringify(booking))).size).toBe(1);
    expect(confirmed[0]).toMatchObject({
      id: bookingId,
      status: 'confirmed',
      paymentAccountId: `wallet-${bookingId}`,
      paymentTransferId: `booking-${bookingId}-payment`,
    });
    expect(await childrenStartedBy(handle)).toEqual([`booking-${bookingId}-payment`]);
    const child = env.client.workflow.getHandle(workflowIds.bookingPayment(bookingId));
    expect((await child.describe()).status.name).toBe('COMPLETED');
    expect(await searchAttributeOf(handle, BookingStatusKey)).toBe('confirmed');
  });

  it('when a confirmed booking is cancelled twice, then cancelBooking runs once, the second cancel gets invalid_transition and the run ends cancelled', async () => {
    const { bookingId, handle } = await placedBooking();
    await handle.executeUpdate(confirmBookingUpdate, { args: confirmArgs(bookingId) });
    gates.close('cancelBooking', bookingId);

    const first = await handle.startUpdate(cancelBookingUpdate, {
      args: [{ actorId: 'customer' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const second = await handle.startUpdate(cancelBookingUpdate, {
      args: [{ actorId: 'customer' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    gates.open('cancelBooking', bookingId);
    const cancelled = await first.result();
    const refusedCancel = await rejectionOf(second.result());

    expect(cancelled).toMatchObject({ id: bookingId, status: 'cancelled' });
    expect(refusedCancel.error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(refusedCancel.refusal).toMatchObject({ code: 'invalid_transition', status: 409 });
    expect(refusedCancel.refusal?.extra).toEqual({
      bookingStatus: 'cancelled',
      requested: 'cancelled',
    });
    expect(log.inputsOf('cancelBooking', bookingId)).toEqual([{ bookingId, actorId: 'customer' }]);
    expect(await handle.result()).toEqual({ status: 'cancelled' });
    expect(await searchAttributeOf(handle, BookingStatusKey)).toBe('cancelled');
    expect(log.inputsOf('completeBooking', bookingId)).toEqual([]);
  });

  it('when cancel arrives after the cancelled run closed, then Temporal refuses it without a Refusal', async () => {
    const { bookingId, handle } = await placedBooking();
    await handle.executeUpdate(cancelBookingUpdate, { args: [{ actorId: 'customer' }] });
    expect(await handle.result()).toEqual({ status: 'cancelled' });

    const late = await rejectionOf(
      handle.executeUpdate(cancelBookingUpdate, { args: [{ actorId: 'customer' }] }),
    );

    // No workflow code ran, so no SPEC code: the API's terminalConflict names the 409.
    expect(late.refusal).toBeUndefined();
    expect(String(late.error)).toMatch(/completed/i);
    expect(log.inputsOf('cancelBooking', bookingId)).toHaveLength(1);
  });
});

describe('bookingWorkflow: timers', () => {
  it('when the payment refuses a confirm with insufficient_funds, then the booking stays reserved until the hold timer expires it', async () => {
    const startedAt = Date.now();
    const bookingId = randomUUID();
    const shortMoney = new DomainError('insufficient_funds', 'Too little', { availableMinor: 10 });
    failFirstCall('payBooking', bookingId, shortMoney);
    gates.close('expireBooking', bookingId);
    const { handle } = await placedBooking(bookingId, SHORT_TTL_MS);

    const refusedConfirm = await rejectionOf(
      handle.executeUpdate(confirmBookingUpdate, { args: confirmArgs(bookingId) }),
    );
    const statusAfterRefusal = await handle.query(bookingStatusQuery);
    const attributeAfterRefusal = await searchAttributeOf(handle, BookingStatusKey);
    await log.waitForCall('expireBooking', bookingId, 10_000);
    const expiredAfterMs = Date.now() - startedAt;
    gates.open('expireBooking', bookingId);

    expect(refusedConfirm.error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(refusedConfirm.refusal).toMatchObject({ code: 'insufficient_funds', status: 409 });
    expect(refusedConfirm.refusal?.extra).toEqual({ availableMinor: 10 });
    expect(statusAfterRefusal).toBe('reserved');
    expect(attributeAfterRefusal).toBe('reserved');
    const child = env.client.workflow.getHandle(workflowIds.bookingPayment(bookingId));
    expect((await child.describe()).status.name).toBe('FAILED');
    expect(expiredAfterMs).toBeGreaterThanOrEqual(SHORT_TTL_MS);
    expect(await handle.result()).toEqual({ status: 'expired' });
    expect(log.inputsOf('payBooking', bookingId)).toHaveLength(1);
    expect(log.inputsOf('expireBooking', bookingId)).toEqual([{ bookingId }]);
    expect(await searchAttributeOf(handle, BookingStatusKey)).toBe('expired');
  });

  it('when confirm arrives while the hold timer expires the booking, then the state machine refuses it with booking_expired', async () => {
    const bookingId = randomUUID();
    gates.close('expireBooking', bookingId);
    const { handle } = await placedBooking(bookingId, 1_000);
    await log.waitForCall('expireBooking', bookingId, 10_000);

    const confirm = await handle.startUpdate(confirmBookingUpdate, {
      args: confirmArgs(bookingId),
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    gates.open('expireBooking', bookingId);
    const refusedConfirm = await rejectionOf(confirm.result());

    expect(refusedConfirm.refusal).toMatchObject({ code: 'booking_expired', status: 409 });
    expect(refusedConfirm.refusal?.extra).toEqual({ bookingStatus: 'expired' });
    expect(await handle.result()).toEqual({ status: 'expired' });
    expect(log.inputsOf('payBooking', bookingId)).toEqual([]);
    expect(await childrenStartedBy(handle)).toEqual([]);
  });

  it('when a confirmed booking reaches its endsAt, then completeBooking runs once and the run completes', async () => {
    const bookingId = randomUUID();
    endsInMsById.set(bookingId, 2_000);
    const { placed, handle } = await placedBooking(bookingId);
    await handle.executeUpdate(confirmBookingUpdate, { args: confirmArgs(bookingId) });

    const result = await handle.result();

    expect(result).toEqual({ status: 'completed' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(placed.endsAt));
    expect(log.inputsOf('completeBooking', bookingId)).toEqual([{ bookingId }]);
    expect(log.inputsOf('expireBooking', bookingId)).toEqual([]);
    expect(await searchAttributeOf(handle, BookingStatusKey)).toBe('completed');
  });
});
