import { findOrder } from '../../db/orders';
import { DomainError } from '../../domain/errors';
import type { OrderSubmission, RateLimitView } from '../../domain/order-gate';
import {
  cancelOrderUpdate,
  fulfillOrderUpdate,
  ORDER_MACHINE,
  payOrderUpdate,
  type OrderStatus,
  type OrderView,
} from '../../domain/orders';
import { workflowIds } from '../../domain/workflow-ids';
import { assertRole, type AuthUser } from '../middleware/auth';
import { idempotentUpdateId } from '../middleware/idempotency';
import type { ApiDeps } from '../router';
import { sendEntityUpdate, type EntityUpdateInput } from '../temporal-kit';
import {
  cartSnapshotOf,
  recordRefusal,
  recordUngatedRefusal,
  type RefusedSubmission,
  type RequestMeta,
} from './audit';
import {
  assertPayFitsMethod,
  orderSubmissionOf,
  submitOrder,
  type SubmissionRequest,
} from './submission';

/*
 * The order service (SPEC.md §4, §8): what the order routes call. Placement is a submission to
 * the customer's gate (api/orders/submission.ts), which places the order and starts
 * `order-<id>`; pay, cancel and fulfil are Updates to that workflow.
 */

/** PlaceOrderInput is a validated POST /v1/orders and where it came from (for the audit). */
export interface PlaceOrderInput extends SubmissionRequest {
  meta: RequestMeta;
}

/** PlacedOrderAnswer is a placement's answer: the order (paid, with `pay`) and the throttle after it. */
export interface PlacedOrderAnswer {
  order: OrderView;
  rateLimit: RateLimitView;
}

/**
 * placeOrder submits the order to the customer's gate `customer-<id>-orders` (SPEC.md §8); with
 * `pay` it is paid in the placement's transaction. Each refusal writes one `order_failures` row.
 * @throws DomainError `throttled`, `backoff` (429), `duplicate_submission`, `insufficient_stock`,
 *   `insufficient_allowance`, `category_limit_exceeded`, `insufficient_funds` (409), `not_found`
 *   (404), `validation_failed`, `currency_mismatch`, `not_a_participant` (422), `unavailable`.
 */
export async function placeOrder(
  deps: ApiDeps,
  input: PlaceOrderInput,
): Promise<PlacedOrderAnswer> {
  let submission: OrderSubmission | undefined;
  try {
    submission = await orderSubmissionOf(deps, input);
    return await submitOrder(deps, submission);
  } catch (err) {
    if (!(err instanceof DomainError) || err.status >= 500) throw err;
    // Refused before the gate (an empty cart, a `pay` unfit for the method): the write limit bounds its audit rows instead.
    const record = submission ? recordRefusal : recordUngatedRefusal;
    await record(deps, refusedSubmissionOf(input, submission), err);
    throw err;
  }
}

/** refusedSubmissionOf is the audit's view of a refused placement (the submission, if built). */
function refusedSubmissionOf(
  input: PlaceOrderInput,
  submission: OrderSubmission | undefined,
): RefusedSubmission {
  const { body } = input;
  const lines = submission?.lines ?? body.lines ?? [];
  return {
    user: input.user,
    // Without a key the ID was random: it names no order a retry could reach.
    orderId: input.idempotencyKey === undefined ? null : input.orderId,
    idempotencyKey: input.idempotencyKey,
    cart: cartSnapshotOf({
      lines,
      fromCart: body.fromCart === true,
      paymentMethod: body.paymentMethod,
      pay: body.pay,
    }),
    cartHash: submission?.cartHash ?? null,
    paymentMethod: body.paymentMethod,
    meta: input.meta,
  };
}

/**
 * visibleOrder reads an order the caller may see: its owner or staff.
 * @throws DomainError `forbidden` (403) for operators, `not_found` (404) for anyone else, as
 *   for a missing order.
 */
export async function visibleOrder(deps: ApiDeps, user: AuthUser, orderId: string) {
  // Only customers own orders, so an operator is the wrong role (SPEC.md §1: 403), not a
  // stranger to hide the order from; GET /v1/orders/:id answered operators 404 before.
  assertRole(user, ['customer', 'staff']);
  const order = await findOrder(deps.db, orderId);
  if (!order || (user.role !== 'staff' && order.customerId !== user.sub))
    throw new DomainError('not_found', 'No such order');
  return order;
}

/** OrderActionRequest is a caller's request to act on one order (pay, cancel, fulfil). */
export interface OrderActionRequest {
  user: AuthUser;
  orderId: string;
}

/**
 * payOrder pays the caller's order once through `order-<id>-payment`: from the wallet
 * `accountId`, or an allowance order from the allowance (no `accountId`).
 * @throws DomainError `not_found` (404, also for someone else's account), `insufficient_funds`,
 *   `insufficient_allowance`, `category_limit_exceeded`, `order_expired`, `invalid_transition`
 *   (409), `currency_mismatch`, `validation_failed` (422: `accountId` does not fit the method).
 */
export async function payOrder(
  deps: ApiDeps,
  input: OrderActionRequest & { accountId?: string },
): Promise<OrderView> {
  const { user, accountId } = input;
  const order = await visibleOrder(deps, user, input.orderId);
  assertPayFitsMethod(order.paymentMethod, accountId, 'accountId');
  return sendOrderUpdate(deps, order.id, 'paid', {
    update: payOrderUpdate,
    args: [{ accountId, actorId: user.sub }],
    updateId: idempotentUpdateId('order-pay'),
  });
}

/**
 * cancelOrder cancels an order (its owner or staff), releasing stock and refunding a payment.
 * @throws DomainError `not_found` (404), `invalid_transition` (409).
 */
export async function cancelOrder(deps: ApiDeps, input: OrderActionRequest): Promise<OrderView> {
  const order = await visibleOrder(deps, input.user, input.orderId);
  return sendOrderUpdate(deps, order.id, 'cancelled', {
    update: cancelOrderUpdate,
    args: [{ actorId: input.user.sub }],
    updateId: idempotentUpdateId('order-cancel'),
  });
}

/**
 * fulfillOrder marks a paid order fulfilled (staff). @throws DomainError `not_found` (404),
 * `invalid_transition` (409).
 */
export async function fulfillOrder(deps: ApiDeps, input: OrderActionRequest): Promise<OrderView> {
  const order = await visibleOrder(deps, input.user, input.orderId);
  return sendOrderUpdate(deps, order.id, 'fulfilled', {
    update: fulfillOrderUpdate,
    args: [{ actorId: input.user.sub }],
    updateId: idempotentUpdateId('order-fulfil'),
  });
}

/** OrderUpdate is one Update to `order-<id>` with its arguments and its Update ID. */
type OrderUpdate<Args extends [unknown]> = Pick<
  EntityUpdateInput<OrderStatus, OrderView, Args>,
  'update' | 'args' | 'updateId'
>;

/** sendOrderUpdate sends an Update to `order-<id>` that should bring it to `target`. */
function sendOrderUpdate<Args extends [unknown]>(
  deps: ApiDeps,
  orderId: string,
  target: OrderStatus,
  update: OrderUpdate<Args>,
): Promise<OrderView> {
  return sendEntityUpdate(deps.temporal, {
    ...update,
    workflowId: workflowIds.order(orderId),
    machine: ORDER_MACHINE,
    target,
    read: () => findOrder(deps.db, orderId),
  });
}
