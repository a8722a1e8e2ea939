import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { DomainError } from './errors';
import { defineStateMachine } from './state-machine';

/** OrderStatus is an order's lifecycle state (SPEC.md §4). */
export type OrderStatus = 'pending_payment' | 'paid' | 'fulfilled' | 'cancelled' | 'expired';

/** ORDER_STATUSES lists every OrderStatus, in lifecycle order. */
export const ORDER_STATUSES = [
  'pending_payment',
  'paid',
  'fulfilled',
  'cancelled',
  'expired',
] as const;

/** PaymentMethod is how an order will be paid: a wallet account or an allowance programme. */
export type PaymentMethod = 'wallet' | 'allowance';

/**
 * ORDER_MACHINE is the order state machine of SPEC.md §4: `pending_payment → paid →
 * fulfilled`, `pending_payment|paid → cancelled`, `pending_payment → expired`. A missing edge
 * is 409 `order_expired` (paying an expired order) or `invalid_transition`.
 */
export const ORDER_MACHINE = defineStateMachine<OrderStatus>(
  {
    pending_payment: ['paid', 'cancelled', 'expired'],
    paid: ['fulfilled', 'cancelled'],
    fulfilled: [],
    cancelled: [],
    expired: [],
  },
  (from, to) =>
    from === 'expired' && to === 'paid'
      ? new DomainError('order_expired', 'The order expired before it was paid', {
          orderStatus: from,
        })
      : new DomainError('invalid_transition', `An order cannot go from ${from} to ${to}`, {
          orderStatus: from,
          requested: to,
        }),
);

/** OrderLineInput is one requested line: a product and a whole positive quantity. */
export interface OrderLineInput {
  productId: string;
  quantity: number;
}

/** OrderLineView is one line of a placed order, with the unit price it was sold at. */
export interface OrderLineView extends OrderLineInput {
  priceMinor: number;
}

/** OrderView is the API shape of an order (SPEC.md §4); times are ISO-8601 UTC strings. */
export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  paymentMethod: PaymentMethod;
  lines: OrderLineView[];
  totalMinor: number;
  currency: string;
  workflowId: string;
  paymentAccountId: string | null;
  paymentTransferId: string | null;
  refundTransferId: string | null;
  reservedAt: string;
  expiresAt: string;
  paidAt: string | null;
  fulfilledAt: string | null;
  cancelledAt: string | null;
  expiredAt: string | null;
  createdAt: string;
}

/**
 * mergeOrderLines sums the quantities of repeated lines for one product (SPEC.md §4: the stock
 * check sees the total) and sorts the result by productId, the lock order of ARCHITECTURE.md.
 */
export function mergeOrderLines(lines: readonly OrderLineInput[]): OrderLineInput[] {
  const byProduct = new Map<string, number>();
  for (const line of lines) {
    byProduct.set(line.productId, (byProduct.get(line.productId) ?? 0) + line.quantity);
  }
  return [...byProduct.entries()]
    .map(([productId, quantity]) => ({ productId, quantity }))
    .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

/** OrderWorkflowInput starts `order-<orderId>`: the placed order and how long payment may take. */
export interface OrderWorkflowInput {
  orderId: string;
  customerId: string;
  actorId: string;
  lines: OrderLineInput[];
  paymentMethod: PaymentMethod;
  /** paymentTtlMs is how long the order stays unpaid before its timer expires it (ORDER_PAYMENT_TTL). */
  paymentTtlMs: number;
  /** fromCart: the lines came from the customer's cart, which placement empties of them. */
  fromCart?: boolean;
  /**
   * placed is the order its customer's gate already placed (SPEC.md §8): the run starts with it
   * (search attributes set at start) and only waits for payment, cancel or expiry.
   */
  placed: OrderView;
}

/**
 * PayOrderInput asks to pay an order: a wallet order names the wallet (`accountId`); an
 * allowance order has none and is paid from the customer's allowance programme (SPEC.md §8).
 */
export interface PayOrderInput {
  accountId?: string;
  actorId: string;
}

/**
 * PayAtPlacement is POST /v1/orders's `pay`: pay the order in its placement's transaction, from
 * the wallet `accountId` (a wallet order) or from the allowance (an allowance order, no
 * `accountId`), so a refused payment refuses the order (SPEC.md §4).
 */
export interface PayAtPlacement {
  accountId?: string;
}

/** OrderActorInput is the argument of the cancel and fulfil Updates: who asks for them. */
export interface OrderActorInput {
  actorId: string;
}

/** payOrderUpdate pays the order once through `order-<id>-payment`; concurrent calls share it. */
export const payOrderUpdate = defineUpdate<OrderView, [PayOrderInput]>('pay');
/** cancelOrderUpdate cancels the order, releasing stock and refunding a payment. */
export const cancelOrderUpdate = defineUpdate<OrderView, [OrderActorInput]>('cancel');
/** fulfillOrderUpdate marks a paid order fulfilled (on-hand and reserved both drop). */
export const fulfillOrderUpdate = defineUpdate<OrderView, [OrderActorInput]>('fulfill');
/** orderStatusQuery returns the workflow's view of the order status (undefined before placement). */
export const orderStatusQuery = defineQuery<OrderStatus | undefined>('status');
