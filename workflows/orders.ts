import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  cancelOrderUpdate,
  fulfillOrderUpdate,
  ORDER_MACHINE,
  orderStatusQuery,
  payOrderUpdate,
  type OrderStatus,
  type OrderView,
  type OrderWorkflowInput,
} from '../domain/orders';
import { OrderStatusKey } from '../domain/search-attributes';
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

/**
 * ORDER_WRITES_LOCAL is the `patched()` under which cancel, fulfil and expiry run as local
 * activities: the write ends in the workflow task that asked for it, with no activity task to
 * dispatch and one workflow task fewer (docs/performance.md "Whole lifecycles"). Runs started
 * before it replay their activity tasks (order-gated-*-activity-writes.json).
 */
export const ORDER_WRITES_LOCAL = 'order-writes-local';

/** orderWrites are the order's write activities, local on the ORDER_WRITES_LOCAL path. */
function orderWrites(): Pick<Activities, 'cancelOrder' | 'fulfillOrder' | 'expireOrder'> {
  return patched(ORDER_WRITES_LOCAL) ? localActs : acts;
}

/** OrderEntity is an order inside its workflow: its value follows ORDER_MACHINE. */
type OrderEntity = StatefulEntity<OrderStatus, OrderView>;

/** OrderWorkflowResult is how an order workflow ended: its final status. */
export interface OrderWorkflowResult {
  status: OrderStatus;
}

/**
 * orderWorkflow (`order-<orderId>`) is the story of one order (SPEC.md §4). Its customer's gate
 * (workflows/order-gate.ts) places the order and only then starts this run with it (`placed`,
 * the search attributes set at start). The run waits for `pay`, `cancel` or `fulfill`, or for
 * the payment timer (`paymentTtlMs`) that expires it and releases its stock. Writes run one at
 * a time.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderWorkflowResult> {
  const order: OrderEntity = new StatefulEntity(
    () => Promise.resolve(input.placed),
    ORDER_MACHINE,
    statusHooks(OrderStatusKey),
  );
  registerOrderHandlers(input, order);
  await order.settle();
  await expireUnlessSettled(input, order);
  const status = await order.settledInTerminal();
  await condition(allHandlersFinished);
  return { status };
}

/**
 * registerOrderHandlers wires the order's Updates to the Entity: `pay` runs the child
 * `order-<id>-payment` (concurrent pays share one outcome), `cancel` and `fulfill` run their
 * activities; each checks the state machine first.
 */
function registerOrderHandlers(input: OrderWorkflowInput, order: OrderEntity): void {
  const { orderId } = input;
  setHandler(payOrderUpdate, ({ accountId, actorId }) =>
    order.payOnce('paid', {
      child: orderPaymentWorkflow,
      workflowId: workflowIds.orderPayment(orderId),
      input: { orderId, accountId, actorId },
    }),
  );
  setHandler(cancelOrderUpdate, ({ actorId }) =>
    order.moveTo('cancelled', () => orderWrites().cancelOrder({ orderId, actorId })),
  );
  setHandler(fulfillOrderUpdate, ({ actorId }) =>
    order.moveTo('fulfilled', () => orderWrites().fulfillOrder({ orderId, actorId })),
  );
  setHandler(orderStatusQuery, () => order.placedValue?.status);
}

/**
 * expireUnlessSettled waits up to the payment TTL for the order to leave `pending_payment`;
 * when the timer wins, it lets an in-flight write finish, then expires the order.
 */
async function expireUnlessSettled(input: OrderWorkflowInput, order: OrderEntity) {
  await order.changeWhenDue(
    input.paymentTtlMs,
    (current) => current.status === 'pending_payment',
    () => orderWrites().expireOrder({ orderId: input.orderId }),
  );
}

/** OrderPaymentInput names the order to pay and the wallet to debit (none for allowance orders). */
export interface OrderPaymentInput {
  orderId: string;
  accountId?: string;
  actorId: string;
}

/**
 * orderPaymentWorkflow (`order-<id>-payment`) pays an order once: its ledger transfer ID is
 * its own workflow ID (SPEC.md §4), so retries and duplicate runs debit the wallet once. A
 * refusal (insufficient funds …) fails this run with its Refusal, and a later run with the
 * same ID may retry (reuse policy ALLOW_DUPLICATE_FAILED_ONLY).
 */
export async function orderPaymentWorkflow(input: OrderPaymentInput): Promise<OrderView> {
  return payOnceChild({ activity: acts.payOrder, local: localActs.payOrder }, input);
}
