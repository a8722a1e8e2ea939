import {
  allHandlersFinished,
  condition,
  executeChild,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  assertOrderTransition,
  cancelOrderUpdate,
  fulfillOrderUpdate,
  mergeOrderLines,
  orderStatusQuery,
  payOrderUpdate,
  placeOrderUpdate,
  TERMINAL_ORDER_STATUSES,
  type OrderStatus,
  type OrderView,
  type OrderWorkflowInput,
} from '../domain/orders';
import { AmountMinorKey, OrderStatusKey } from '../domain/search-attributes';
import { workflowIds } from '../domain/workflow-ids';
import { CODE_VERSION } from '../domain/code-versions';
import {
  DB_ACTIVITY_OPTIONS,
  DB_LOCAL_ACTIVITY_OPTIONS,
  endRefused,
  Entity,
  toRefusal,
} from './kit';

const acts = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);
const localActs = proxyLocalActivities<Activities>(DB_LOCAL_ACTIVITY_OPTIONS);

/** OrderWorkflowResult is how an order workflow ended: its final status. */
export interface OrderWorkflowResult {
  status: OrderStatus;
}

/**
 * orderWorkflow (`order-<orderId>`) is the story of one order (SPEC.md §4). Its customer's gate
 * (workflows/order-gate.ts) places the order and starts this run with it (`placed`, the search
 * attributes set at start); runs started before the gate placed it themselves when the `place`
 * Update arrived with Update-with-Start, and a refused placement failed the run with its
 * Refusal (`insufficient_stock` …). Then it waits for `pay`, `cancel` or `fulfill`, or for the
 * payment timer (`paymentTtlMs`) that expires it and releases its stock. Writes run one at a time.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderWorkflowResult> {
  const order = new Entity(
    () => (input.placed ? Promise.resolve(input.placed) : placeOrder(input)),
    {
      onPlaced: (placed) => {
        if (input.placed) return;
        upsertSearchAttributes([
          { key: OrderStatusKey, value: placed.status },
          { key: AmountMinorKey, value: placed.totalMinor },
        ]);
      },
      onRefused: () => upsertSearchAttributes([{ key: OrderStatusKey, value: 'rejected' }]),
      onChanged: (changed) =>
        upsertSearchAttributes([{ key: OrderStatusKey, value: changed.status }]),
    },
  );
  registerOrderHandlers(input, order);
  await order.settle();
  if (order.refusal) {
    await condition(allHandlersFinished);
    if (input.codeVersion === CODE_VERSION) throw order.refusal;
    return endRefused(order.refusal);
  }
  await expireUnlessSettled(input, order);
  await condition(() => TERMINAL_ORDER_STATUSES.includes(order.current.status));
  await condition(allHandlersFinished);
  return { status: order.current.status };
}

/**
 * placeOrder runs the placeOrder activity: one transaction that reserves and inserts; a local
 * activity from CODE_VERSION 2 on, a regular one for runs started before.
 */
function placeOrder(input: OrderWorkflowInput): Promise<OrderView> {
  const place = input.codeVersion === CODE_VERSION ? localActs.placeOrder : acts.placeOrder;
  return place({
    orderId: input.orderId,
    customerId: input.customerId,
    workflowId: workflowIds.order(input.orderId),
    lines: mergeOrderLines(input.lines),
    paymentMethod: input.paymentMethod,
    paymentTtlMs: input.paymentTtlMs,
    fromCart: input.fromCart ?? false,
  });
}

/**
 * registerOrderHandlers wires the order's Updates to the Entity: `place` answers with the
 * placed order, `pay` runs the child `order-<id>-payment` (concurrent pays share one
 * outcome), `cancel` and `fulfill` run their activities; each checks the state machine first.
 */
function registerOrderHandlers(input: OrderWorkflowInput, order: Entity<OrderView>): void {
  const { orderId } = input;
  setHandler(placeOrderUpdate, () => order.placed());
  setHandler(payOrderUpdate, ({ accountId, actorId }) =>
    order.write(async (current) => {
      if (current.status === 'paid') return current;
      assertOrderTransition(current.status, 'paid');
      return executeChild(orderPaymentWorkflow, {
        workflowId: workflowIds.orderPayment(orderId),
        args: [{ orderId, accountId, actorId }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      });
    }),
  );
  setHandler(cancelOrderUpdate, ({ actorId }) =>
    order.write(async (current) => {
      assertOrderTransition(current.status, 'cancelled');
      return acts.cancelOrder({ orderId, actorId });
    }),
  );
  setHandler(fulfillOrderUpdate, ({ actorId }) =>
    order.write(async (current) => {
      assertOrderTransition(current.status, 'fulfilled');
      return acts.fulfillOrder({ orderId, actorId });
    }),
  );
  setHandler(orderStatusQuery, () => (order.refusal ? 'rejected' : order.placedValue?.status));
}

/**
 * expireUnlessSettled waits up to the payment TTL for the order to leave `pending_payment`;
 * when the timer wins, it lets an in-flight write finish, then expires the order.
 */
async function expireUnlessSettled(input: OrderWorkflowInput, order: Entity<OrderView>) {
  await order.changeWhenDue(
    input.paymentTtlMs,
    (current) => current.status === 'pending_payment',
    () => acts.expireOrder({ orderId: input.orderId }),
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
  try {
    return await acts.payOrder({ ...input, transferId: workflowInfo().workflowId });
  } catch (err) {
    throw toRefusal(err);
  }
}
