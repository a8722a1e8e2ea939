import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  executeChild,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
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
} from '../domain/order';
import { DomainError } from '../domain/errors';
import { workflowIds } from '../domain/workflow-ids';
import { DB_ACTIVITY_OPTIONS, Mutex, toHandlerFailure } from './common';
import { orderPaymentWorkflow } from './order-payment';
import { AmountMinorKey, OrderStatusKey } from './search-attributes';

const acts = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/** OrderWorkflowResult is how an order workflow ended: its final status, or `rejected`. */
export interface OrderWorkflowResult {
  status: OrderStatus | 'rejected';
  /** rejection is the refusal of a rejected placement: SPEC code, detail and extra members. */
  rejection?: { code: string; detail: string; extra: Record<string, unknown> };
}

/**
 * orderWorkflow (`order-<orderId>`) is the story of one order (SPEC.md §4): it places the
 * order when the `place` Update arrives with Update-with-Start, then waits for `pay`,
 * `cancel` or `fulfill`, or for the payment timer (`paymentTtlMs`) that expires it and
 * releases its stock. Handlers that write run one at a time.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderWorkflowResult> {
  const state = new OrderState(input);
  state.registerHandlers();
  await state.place();
  if (state.rejection) {
    await condition(allHandlersFinished);
    const { type, message, details } = state.rejection;
    const extra = (details?.[0] ?? {}) as Record<string, unknown>;
    return {
      status: 'rejected',
      rejection: { code: type ?? 'unavailable', detail: message, extra },
    };
  }
  await state.expireUnlessSettled();
  await condition(() => TERMINAL_ORDER_STATUSES.includes(state.order!.status));
  await condition(allHandlersFinished);
  return { status: state.order!.status };
}

/** OrderState holds the workflow's view of its order and the handlers that change it. */
class OrderState {
  order: OrderView | undefined;
  rejection: ApplicationFailure | undefined;
  private placing: Promise<void> | undefined;
  private readonly writes = new Mutex();

  constructor(private readonly input: OrderWorkflowInput) {}

  registerHandlers(): void {
    setHandler(placeOrderUpdate, async () => {
      await this.place();
      if (this.rejection) throw this.rejection;
      return this.order!;
    });
    setHandler(payOrderUpdate, ({ accountId, actorId }) =>
      this.write('paid', async () => {
        const { orderId } = this.input;
        return executeChild(orderPaymentWorkflow, {
          workflowId: workflowIds.orderPayment(orderId),
          args: [{ orderId, accountId, actorId }],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        });
      }),
    );
    setHandler(cancelOrderUpdate, ({ actorId }) =>
      this.write('cancelled', () => acts.cancelOrder({ orderId: this.input.orderId, actorId })),
    );
    setHandler(fulfillOrderUpdate, ({ actorId }) =>
      this.write('fulfilled', () => acts.fulfillOrder({ orderId: this.input.orderId, actorId })),
    );
    setHandler(orderStatusQuery, () => (this.rejection ? 'rejected' : this.order?.status));
  }

  /** place runs the placeOrder activity once; every caller awaits the same attempt. */
  place(): Promise<void> {
    this.placing ??= (async () => {
      try {
        this.order = await acts.placeOrder({
          orderId: this.input.orderId,
          customerId: this.input.customerId,
          workflowId: workflowIds.order(this.input.orderId),
          lines: mergeOrderLines(this.input.lines),
          paymentMethod: this.input.paymentMethod,
          paymentTtlMs: this.input.paymentTtlMs,
          fromCart: this.input.fromCart ?? false,
        });
        upsertSearchAttributes([
          { key: OrderStatusKey, value: this.order.status },
          { key: AmountMinorKey, value: this.order.totalMinor },
        ]);
      } catch (err) {
        this.rejection = toHandlerFailure(err);
        upsertSearchAttributes([{ key: OrderStatusKey, value: 'rejected' }]);
      }
    })();
    return this.placing;
  }

  /**
   * expireUnlessSettled waits up to the payment TTL for the order to leave `pending_payment`;
   * when the timer wins, it lets an in-flight handler finish, then expires the order.
   */
  async expireUnlessSettled(): Promise<void> {
    const settled = await condition(
      () => this.order!.status !== 'pending_payment',
      this.input.paymentTtlMs,
    );
    if (settled) return;
    await this.writes.runExclusive(async () => {
      if (this.order!.status !== 'pending_payment') return;
      this.setOrder(await acts.expireOrder({ orderId: this.input.orderId }));
    });
  }

  /**
   * write runs one state-changing handler under the mutex: a `pay` on an order already paid
   * returns it (concurrent pays share one outcome), an illegal transition is refused, and the
   * result of `run` becomes the new order.
   */
  private async write(target: OrderStatus, run: () => Promise<OrderView>): Promise<OrderView> {
    await this.place();
    if (this.rejection) throw this.rejection;
    return this.writes.runExclusive(async () => {
      const current = this.order!;
      if (target === 'paid' && current.status === 'paid') return current;
      try {
        assertOrderTransition(current.status, target);
        return this.setOrder(await run());
      } catch (err) {
        if (err instanceof DomainError) throw err.toFailure();
        throw toHandlerFailure(err);
      }
    });
  }

  private setOrder(order: OrderView): OrderView {
    this.order = order;
    upsertSearchAttributes([{ key: OrderStatusKey, value: order.status }]);
    return order;
  }
}
