import { DomainError } from '../domain/errors';
import type { Db } from '../db/connection';
import * as orders from './orders';
import * as transfers from './transfers';
import * as ledger from './ledger';
import * as payments from './payments';
import type { TransferWorkflowInput } from '../domain/transfer';
import type { OrderView } from '../domain/order';

/** ActivityDeps are what activities need: the database (a real pool, or a test's). */
export interface ActivityDeps {
  db: Db;
}

/**
 * withDomainFailures wraps an activity so a DomainError leaves it as a non-retryable
 * ApplicationFailure carrying the SPEC code; every other error stays retryable and is retried
 * by the caller's retry policy (deadlocks, lock timeouts, lost connections).
 */
function withDomainFailures<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async function activity(...args: A): Promise<R> {
    try {
      return await fn(...args);
    } catch (err) {
      if (err instanceof DomainError) throw err.toFailure();
      throw err;
    }
  };
}

/**
 * createActivities builds every activity from its dependencies (STYLE.md: createActivities).
 * Each activity is one short transaction in activities/<domain>.ts.
 */
export function createActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    placeOrder: withDomainFailures((input: orders.PlaceOrderActivityInput): Promise<OrderView> =>
      orders.placeOrder(db, input),
    ),
    payOrder: withDomainFailures((input: orders.PayOrderActivityInput): Promise<OrderView> =>
      orders.payOrder(db, input),
    ),
    cancelOrder: withDomainFailures((input: { orderId: string; actorId: string }) =>
      orders.cancelOrder(db, input),
    ),
    fulfillOrder: withDomainFailures((input: { orderId: string; actorId: string }) =>
      orders.fulfillOrder(db, input),
    ),
    expireOrder: withDomainFailures((input: { orderId: string }) => orders.expireOrder(db, input)),
    executeTransfer: withDomainFailures((input: TransferWorkflowInput) =>
      transfers.executeTransfer(db, input),
    ),
    createHold: withDomainFailures((input: ledger.CreateHoldInput) => ledger.createHold(db, input)),
    resolveHold: withDomainFailures((input: ledger.ResolveHoldInput) =>
      ledger.resolveHold(db, input),
    ),
    completePayment: withDomainFailures(
      (input: { paymentId: string; transferId: string; actorId: string }) =>
        payments.completePayment(db, input),
    ),
  };
}

/** Activities is the type workflows proxy (imported with `import type` only). */
export type Activities = ReturnType<typeof createActivities>;
