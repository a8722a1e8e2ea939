import { getCart } from '../../db/carts';
import { findVisibleProductIds } from '../../db/catalog';
import { findOrder } from '../../db/orders';
import { CODE_VERSION } from '../../domain/code-versions';
import { DomainError } from '../../domain/errors';
import {
  assertOrderTransition,
  cancelOrderUpdate,
  fulfillOrderUpdate,
  payOrderUpdate,
  placeOrderUpdate,
  TERMINAL_ORDER_STATUSES,
  type OrderLineInput,
  type OrderStatus,
  type OrderView,
} from '../../domain/orders';
import type { PlaceOrderBody } from '../../domain/orders-schemas';
import { CustomerIdKey } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { orderWorkflow } from '../../workflows/orders';
import type { AuthUser } from '../middleware/auth';
import type { ApiDeps } from '../router';
import { startWithUpdate, terminalConflict, updateOrConflict } from '../temporal-kit';

/*
 * The order service (SPEC.md §4): what the order routes call. Placement is an
 * Update-with-Start on `order-<id>`; pay, cancel and fulfil are Updates to that workflow.
 */

/** PlaceOrderInput is a validated placement: who places it, the body and the derived ID. */
export interface PlaceOrderInput {
  user: AuthUser;
  body: PlaceOrderBody;
  orderId: string;
}

/** PlacedOrder is the placed order, plus `paymentError` when `pay` was asked and refused. */
export type PlacedOrder = OrderView & {
  paymentError?: { code: string; detail: string } & Record<string, unknown>;
};

/**
 * placeOrder validates every line before any write (SPEC.md §4), places the order with the
 * `place` Update (Update-with-Start, reuse policy REJECT_DUPLICATE) and, with `pay`, pays it
 * at once; a refused payment leaves the order placed and names the refusal as paymentError.
 * @throws DomainError `validation_failed` (422, unknown products or an empty cart),
 *   `insufficient_stock` (409), `currency_mismatch` (422).
 */
export async function placeOrder(deps: ApiDeps, input: PlaceOrderInput): Promise<PlacedOrder> {
  const { user, body, orderId } = input;
  const lines = body.fromCart ? await cartLines(deps, user.sub) : body.lines!;
  await assertLinesVisible(deps, lines);
  const order = await startWithUpdate(deps.temporal, {
    workflow: orderWorkflow,
    workflowId: workflowIds.order(orderId),
    taskQueue: deps.config.taskQueue,
    args: [
      {
        orderId,
        customerId: user.sub,
        actorId: user.sub,
        lines,
        paymentMethod: body.paymentMethod,
        paymentTtlMs: deps.config.orderPaymentTtlMs,
        fromCart: body.fromCart === true,
        codeVersion: CODE_VERSION,
      },
    ],
    update: placeOrderUpdate,
    updateArgs: [],
    reusePolicy: 'REJECT_DUPLICATE',
    searchAttributes: [{ key: CustomerIdKey, value: user.sub }],
    readStored: () => findOrder(deps.db, orderId),
  });
  if (!body.pay) return order;
  try {
    return await payOrder(deps, { user, orderId: order.id, accountId: body.pay.accountId });
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { ...order, paymentError: { code: err.code, detail: err.message, ...err.extra } };
  }
}

/** cartLines reads the caller's cart as order lines. @throws 422 when the cart is empty. */
async function cartLines(deps: ApiDeps, customerId: string): Promise<OrderLineInput[]> {
  const { items } = await getCart(deps.db, customerId);
  if (items.length === 0) {
    throw new DomainError('validation_failed', 'The cart is empty', {
      errors: [{ path: 'fromCart', message: 'the cart is empty' }],
    });
  }
  return items;
}

/** assertLinesVisible validates every line's product before any write (SPEC.md §4). */
async function assertLinesVisible(deps: ApiDeps, lines: OrderLineInput[]): Promise<void> {
  const ids = [...new Set(lines.map((l) => l.productId))];
  const visible = await findVisibleProductIds(deps.db, ids);
  const errors = lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => !visible.has(line.productId))
    .map(({ line, index }) => ({
      path: `lines.${index}.productId`,
      message: `unknown product ${line.productId}`,
    }));
  if (errors.length > 0)
    throw new DomainError('validation_failed', 'Some lines name unknown products', { errors });
}

/**
 * visibleOrder reads an order the caller may see: its owner or staff.
 * @throws DomainError `not_found` (404) for anyone else, as for a missing order.
 */
export async function visibleOrder(deps: ApiDeps, user: AuthUser, orderId: string) {
  const order = await findOrder(deps.db, orderId);
  if (!order || (user.role !== 'staff' && order.customerId !== user.sub))
    throw new DomainError('not_found', 'No such order');
  return order;
}

/** OrderActionInput names the caller and the order an action is for. */
export interface OrderActionInput {
  user: AuthUser;
  orderId: string;
}

/**
 * payOrder pays the caller's order once, through `order-<id>-payment`: a wallet order from the
 * wallet `accountId`, an allowance order from the customer's allowance (no `accountId`).
 * @throws DomainError `not_found` (404), `insufficient_funds`, `insufficient_allowance`,
 *   `category_limit_exceeded`, `order_expired`, `invalid_transition` (409), `forbidden` (403),
 *   `currency_mismatch` (422), `validation_failed` (422) when `accountId` is missing for a
 *   wallet order or given for an allowance order.
 */
export async function payOrder(
  deps: ApiDeps,
  input: OrderActionInput & { accountId?: string },
): Promise<OrderView> {
  const { user, accountId } = input;
  const order = await visibleOrder(deps, user, input.orderId);
  assertPaymentAccount(order.paymentMethod, accountId);
  return sendOrderUpdate(deps, order.id, 'paid', (handle) =>
    handle.executeUpdate(payOrderUpdate, { args: [{ accountId, actorId: user.sub }] }),
  );
}

/**
 * assertPaymentAccount checks the pay body against the order's payment method: a wallet order
 * names the wallet to debit, an allowance order names none (SPEC.md §8).
 * @throws DomainError `validation_failed` (422) otherwise.
 */
function assertPaymentAccount(method: OrderView['paymentMethod'], accountId: string | undefined) {
  if ((method === 'wallet') === (accountId !== undefined)) return;
  const message =
    method === 'wallet'
      ? 'a wallet order is paid from a wallet: give accountId'
      : 'an allowance order is paid from the allowance: leave accountId out';
  throw new DomainError('validation_failed', message, {
    errors: [{ path: 'accountId', message }],
  });
}

/**
 * cancelOrder cancels an order (its owner or staff), releasing stock and refunding a payment.
 * @throws DomainError `not_found` (404), `invalid_transition` (409).
 */
export async function cancelOrder(deps: ApiDeps, input: OrderActionInput): Promise<OrderView> {
  const order = await visibleOrder(deps, input.user, input.orderId);
  return sendOrderUpdate(deps, order.id, 'cancelled', (handle) =>
    handle.executeUpdate(cancelOrderUpdate, { args: [{ actorId: input.user.sub }] }),
  );
}

/**
 * fulfillOrder marks a paid order fulfilled (staff). @throws DomainError `not_found` (404),
 * `invalid_transition` (409).
 */
export async function fulfillOrder(deps: ApiDeps, input: OrderActionInput): Promise<OrderView> {
  const order = await visibleOrder(deps, input.user, input.orderId);
  return sendOrderUpdate(deps, order.id, 'fulfilled', (handle) =>
    handle.executeUpdate(fulfillOrderUpdate, { args: [{ actorId: input.user.sub }] }),
  );
}

type OrderHandle = ReturnType<ApiDeps['temporal']['workflow']['getHandle']>;

/**
 * sendOrderUpdate sends an Update to `order-<id>`. When the run has closed, the stored order
 * decides: a terminal status, whose transition to `target` the state machine refuses with
 * its SPEC code (409).
 */
function sendOrderUpdate(
  deps: ApiDeps,
  orderId: string,
  target: OrderStatus,
  send: (handle: OrderHandle) => Promise<OrderView>,
): Promise<OrderView> {
  return updateOrConflict(
    () => send(deps.temporal.workflow.getHandle(workflowIds.order(orderId))),
    terminalConflict({
      read: () => findOrder(deps.db, orderId),
      terminal: TERMINAL_ORDER_STATUSES,
      target,
      assertTransition: assertOrderTransition,
    }),
  );
}
