import type { Client } from '@temporalio/client';
import { DomainError } from '../domain/errors';
import type { Db } from '../db/connection';
import { rangeRefusalOf } from '../db/number-range';
import * as bookings from './bookings';
import * as ledger from './ledger';
import * as orderFailures from './order-failures';
import * as orderGate from './order-gate';
import * as orders from './orders';
import * as paymentRequests from './payment-requests';
import * as retention from './retention';
import * as staffPayments from './staff-payments';
import * as webhooks from './webhooks';

/**
 * ActivityDeps are what activities need: the database (a real pool, or a test's), a Temporal
 * client on the worker's connection (the order gate's activity starts order workflows) and the
 * limits the worker's transactions enforce.
 */
export interface ActivityDeps {
  db: Db;
  temporal: Client;
  /** bookingHeldUnitsMax is BOOKING_HELD_UNITS_MAX, checked by placeBooking (SPEC.md §10). */
  bookingHeldUnitsMax: number;
  /** webhooks are the delivery settings of SPEC.md §11 (WEBHOOK_TIMEOUT …). */
  webhooks: webhooks.WebhookDeliveryConfig;
}

/**
 * withDomainFailures wraps an activity so a DomainError leaves it as a non-retryable
 * ApplicationFailure carrying the SPEC code, and so does a number-range CHECK that PostgreSQL
 * enforced (rangeRefusalOf: `amount_out_of_range`, a refusal however often it is retried);
 * every other error stays retryable and is retried by the caller's retry policy (deadlocks,
 * lock timeouts, lost connections).
 */
function withDomainFailures<D, I, R>(
  deps: D,
  fn: (deps: D, input: I) => Promise<R>,
): (input: I) => Promise<R> {
  return async function activity(input: I): Promise<R> {
    try {
      return await fn(deps, input);
    } catch (err) {
      if (err instanceof DomainError) throw err.toFailure();
      throw rangeRefusalOf(err)?.toFailure() ?? err;
    }
  };
}

/**
 * createActivities builds every registered activity from its dependencies (STYLE.md:
 * createActivities). Each is one short transaction in activities/<domain>.ts; the activity
 * names are part of recorded workflow histories, so renaming one needs a new history.
 */
export function createActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    placeGatedOrder: withDomainFailures(deps, orderGate.placeGatedOrder),
    payOrder: withDomainFailures(db, orders.payOrder),
    cancelOrder: withDomainFailures(db, orders.cancelOrder),
    fulfillOrder: withDomainFailures(db, orders.fulfillOrder),
    expireOrder: withDomainFailures(db, orders.expireOrder),
    executeTransfer: withDomainFailures(db, ledger.executeTransfer),
    createHold: withDomainFailures(db, ledger.createHold),
    resolveHold: withDomainFailures(db, ledger.resolveHold),
    completeStaffPayment: withDomainFailures(db, staffPayments.completeStaffPayment),
    placeBooking: withDomainFailures(
      { db, bookingHeldUnitsMax: deps.bookingHeldUnitsMax },
      bookings.placeBooking,
    ),
    payBooking: withDomainFailures(db, bookings.payBooking),
    cancelBooking: withDomainFailures(db, bookings.cancelBooking),
    expireBooking: withDomainFailures(db, bookings.expireBooking),
    completeBooking: withDomainFailures(db, bookings.completeBooking),
    createPaymentRequest: withDomainFailures(db, paymentRequests.createPaymentRequest),
    decidePaymentRequest: withDomainFailures(db, paymentRequests.decidePaymentRequest),
    payOutPaymentRequest: withDomainFailures(db, paymentRequests.payOutPaymentRequest),
    expirePaymentRequest: withDomainFailures(db, paymentRequests.expirePaymentRequest),
    deleteOrderFailures: withDomainFailures(db, orderFailures.deleteOrderFailures),
    purgeRetention: withDomainFailures(db, retention.purgeRetention),
    dispatchWebhooks: withDomainFailures(
      { db, webhooks: deps.webhooks },
      webhooks.dispatchWebhooks,
    ),
  };
}

/** Activities is the type workflows proxy (imported with `import type` only). */
export type Activities = ReturnType<typeof createActivities>;
