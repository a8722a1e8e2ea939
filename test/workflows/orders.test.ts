import { randomUUID } from 'node:crypto';
import { WorkflowUpdateStage, type WorkflowHandle } from '@temporalio/client';
import { TypedSearchAttributes, WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import type { PlaceOrderActivityInput } from '../../activities/orders';
import { DomainError } from '../../domain/errors';
import {
  cancelOrderUpdate,
  payOrderUpdate,
  type OrderView,
  type PayOrderInput,
} from '../../domain/orders';
import { AmountMinorKey, OrderStatusKey } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { orderWorkflow } from '../../workflows/orders';
import { sleep } from '../../tools/process';
import {
  ActivityLog,
  Gates,
  rejectionOf,
  searchAttributeOf,
  useWorkflowWorker,
  waitForUpdateAdmitted,
  type Rejection,
} from '../helpers/workflow-worker';

/*
 * orderWorkflow and its child orderPaymentWorkflow with mocked activities: a Map stands in for
 * the orders table, so each mock returns the order as the real activity would have left it.
 * Each run starts as its customer's gate starts it: with the order already placed.
 */

const PRICE_MINOR = 1_250;
const LONG_TTL_MS = 10 * 60_000;

const log = new ActivityLog();
const gates = new Gates();
const ordersById = new Map<string, OrderView>();
const firstFailures = new Map<string, Error>();

const env = useWorkflowWorker({
  taskQueuePrefix: 'wf-orders',
  beforeStop: () => gates.openAll(),
  activities: log.record({
    async payOrder(input) {
      await gates.pass('payOrder', input.orderId);
      throwIfFailing('payOrder', input.orderId);
      const paid = { paymentAccountId: input.accountId, paymentTransferId: input.transferId };
      return moveOrder(input.orderId, { status: 'paid', paidAt: now(), ...paid });
    },
    async cancelOrder(input) {
      await gates.pass('cancelOrder', input.orderId);
      return moveOrder(input.orderId, { status: 'cancelled', cancelledAt: now() });
    },
    async expireOrder(input) {
      await gates.pass('expireOrder', input.orderId);
      return moveOrder(input.orderId, { status: 'expired', expiredAt: now() });
    },
  }),
});

/** failFirstCall makes the next call of `name` about `orderId` throw `error`. */
function failFirstCall(name: 'payOrder', orderId: string, error: Error): void {
  firstFailures.set(`${name}:${orderId}`, error);
}

/** throwIfFailing throws a failure set by failFirstCall once: a DomainError as its Refusal. */
function throwIfFailing(name: 'payOrder', orderId: string): void {
  const error = firstFailures.get(`${name}:${orderId}`);
  if (!error) return;
  firstFailures.delete(`${name}:${orderId}`);
  throw error instanceof DomainError ? error.toFailure() : error;
}

function now(): string {
  return new Date().toISOString();
}

/** placedOrder is the canned `pending_payment` order the gate's placement returns. */
function placedOrder(input: PlaceOrderActivityInput): OrderView {
  const lines = input.lines.map((line) => ({ ...line, priceMinor: PRICE_MINOR }));
  return {
    id: input.orderId,
    customerId: input.customerId,
    status: 'pending_payment',
    paymentMethod: input.paymentMethod,
    lines,
    totalMinor: lines.reduce((sum, line) => sum + line.quantity * line.priceMinor, 0),
    currency: 'EUR',
    workflowId: input.workflowId,
    paymentAccountId: null,
    paymentTransferId: null,
    refundTransferId: null,
    reservedAt: now(),
    expiresAt: new Date(Date.now() + input.paymentTtlMs).toISOString(),
    paidAt: null,
    fulfilledAt: null,
    cancelledAt: null,
    expiredAt: null,
    createdAt: now(),
  };
}

/** moveOrder stores and returns the placed order with `change` applied. */
function moveOrder(orderId: string, change: Partial<OrderView>): OrderView {
  const stored = ordersById.get(orderId);
  if (!stored) throw new Error(`mock: order ${orderId} was never placed`);
  const moved = { ...stored, ...change };
  ordersById.set(orderId, moved);
  return moved;
}

/**
 * placedOrderId places a one-line order in the mocked table and starts `order-<orderId>` with
 * it and its search attributes, as the order gate's activity does; it returns the order's ID
 * and its workflow's handle.
 */
async function placedOrderId(paymentTtlMs = LONG_TTL_MS) {
  const orderId = randomUUID();
  const customerId = `customer-of-${orderId}`;
  const workflowId = workflowIds.order(orderId);
  const input = {
    orderId,
    customerId,
    workflowId,
    lines: [{ productId: randomUUID(), quantity: 1 }],
    paymentMethod: 'wallet' as const,
    paymentTtlMs,
  };
  const placed = placedOrder(input);
  ordersById.set(orderId, placed);
  const handle = await env.client.workflow.start(orderWorkflow, {
    workflowId,
    taskQueue: env.taskQueue,
    args: [{ ...input, actorId: customerId, placed }],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: new TypedSearchAttributes([
      { key: OrderStatusKey, value: placed.status },
      { key: AmountMinorKey, value: placed.totalMinor },
    ]),
  });
  return { orderId, handle };
}

/** payArgs are the `pay` Update's arguments: the buyer's wallet for this order. */
function payArgs(orderId: string): [PayOrderInput] {
  return [{ accountId: `wallet-${orderId}`, actorId: 'buyer' }];
}

/**
 * sendAdmitted sends an Update and returns once the server holds it, with the Update's pending
 * rejection (wrapped, so awaiting sendAdmitted does not wait for it): the Update arrived while
 * the write in flight holds the workflow task.
 */
async function sendAdmitted(
  handle: WorkflowHandle,
  send: (updateId: string) => Promise<unknown>,
): Promise<{ rejection: Promise<Rejection> }> {
  const updateId = randomUUID();
  const rejection = rejectionOf(send(updateId));
  await waitForUpdateAdmitted(env.client, { workflowId: handle.workflowId, updateId }, 10_000);
  return { rejection };
}

/**
 * expectRefusedAfterWrite checks an Update that arrived while a write was in flight. The write
 * is a local activity in the workflow task, so the machine refuses the Update after it or,
 * when that task also closed the run, Temporal drops it with the run (completed, or not found
 * by the client's poll); the API then names the same 409 from the stored row
 * (api/temporal-kit.ts updateOrConflict).
 */
function expectRefusedAfterWrite(rejection: Rejection, extra: Record<string, string>): void {
  if (!rejection.refusal) {
    const closed = rejection.error instanceof WorkflowNotFoundError;
    expect(closed || /completed/i.test(String(rejection.error)), String(rejection.error)).toBe(
      true,
    );
    return;
  }
  expect(rejection.refusal).toMatchObject({ code: 'invalid_transition', status: 409 });
  expect(rejection.refusal.extra).toEqual(extra);
}

describe('orderWorkflow: started by the order gate with the placed order', () => {
  it('when nobody writes, then no attribute is upserted until the timer expires it', async () => {
    const { orderId, handle } = await placedOrderId(500);

    expect(await handle.result()).toEqual({ status: 'expired' });
    expect(log.inputsOf('expireOrder', orderId)).toHaveLength(1);
    const events = (await handle.fetchHistory()).events ?? [];
    const statusUpserts = events.filter(
      (e) =>
        e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields
          ?.OrderStatus,
    );
    expect(statusUpserts).toHaveLength(1);
  });
});

describe('orderWorkflow: payment', () => {
  it('when 5 pay Updates arrive together, then the payment child runs payOrder once and all 5 get the paid order', async () => {
    const { orderId, handle } = await placedOrderId();
    gates.close('payOrder', orderId);

    const pending = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        handle.startUpdate(payOrderUpdate, {
          args: payArgs(orderId),
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        }),
      ),
    );
    gates.open('payOrder', orderId);
    const paid = await Promise.all(pending.map((update) => update.result()));

    expect(log.inputsOf('payOrder', orderId)).toEqual([
      {
        orderId,
        accountId: `wallet-${orderId}`,
        actorId: 'buyer',
        transferId: `order-${orderId}-payment`,
      },
    ]);
    for (const order of paid) {
      expect(order).toMatchObject({ id: orderId, status: 'paid' });
      expect(order.paymentTransferId).toBe(`order-${orderId}-payment`);
    }
    const child = await env.client.workflow.getHandle(workflowIds.orderPayment(orderId)).describe();
    expect(child.status.name).toBe('COMPLETED');
    expect(await searchAttributeOf(handle, OrderStatusKey)).toBe('paid');
  });

  it('when payOrder refuses with insufficient_funds, then pay fails with that code and a later pay runs a new child', async () => {
    const { orderId, handle } = await placedOrderId();
    failFirstCall('payOrder', orderId, new DomainError('insufficient_funds', 'Not enough money'));

    const refused = await rejectionOf(
      handle.executeUpdate(payOrderUpdate, { args: payArgs(orderId) }),
    );
    const statusAfterRefusal = await searchAttributeOf(handle, OrderStatusKey);
    const paid = await handle.executeUpdate(payOrderUpdate, { args: payArgs(orderId) });

    expect(refused.refusal).toMatchObject({ code: 'insufficient_funds', status: 409 });
    expect(statusAfterRefusal).toBe('pending_payment');
    expect(paid.status).toBe('paid');
    const transferIds = log.inputsOf('payOrder', orderId).map((input) => input.transferId);
    expect(transferIds).toEqual([`order-${orderId}-payment`, `order-${orderId}-payment`]);
  });

  it('when pay arrives while cancel is in flight, then pay is refused with invalid_transition and payOrder never runs', async () => {
    const { orderId, handle } = await placedOrderId();
    gates.close('cancelOrder', orderId);

    const cancel = handle.executeUpdate(cancelOrderUpdate, { args: [{ actorId: 'buyer' }] });
    await log.waitForCall('cancelOrder', orderId, 10_000);
    const pay = await sendAdmitted(handle, (updateId) =>
      handle.executeUpdate(payOrderUpdate, { args: payArgs(orderId), updateId }),
    );
    gates.open('cancelOrder', orderId);

    expect((await cancel).status).toBe('cancelled');
    expectRefusedAfterWrite(await pay.rejection, { orderStatus: 'cancelled', requested: 'paid' });
    expect(log.inputsOf('cancelOrder', orderId)).toEqual([{ orderId, actorId: 'buyer' }]);
    expect(log.inputsOf('payOrder', orderId)).toEqual([]);
    expect(await handle.result()).toEqual({ status: 'cancelled' });
  });

  it('when pay arrives after the cancelled run closed, then Temporal refuses it without a Refusal and payOrder never runs', async () => {
    const { orderId, handle } = await placedOrderId();
    await handle.executeUpdate(cancelOrderUpdate, { args: [{ actorId: 'buyer' }] });
    expect(await handle.result()).toEqual({ status: 'cancelled' });

    const late = await rejectionOf(
      handle.executeUpdate(payOrderUpdate, { args: payArgs(orderId) }),
    );

    // No workflow code ran, so no SPEC code: the API's updateOrConflict names the 409.
    expect(late.refusal).toBeUndefined();
    expect(String(late.error)).toMatch(/completed/i);
    expect(log.inputsOf('payOrder', orderId)).toEqual([]);
  });
});

describe('orderWorkflow: expiry', () => {
  it('when nobody pays within paymentTtlMs, then expireOrder runs once and the run completes expired', async () => {
    const startedAt = Date.now();
    const { orderId, handle } = await placedOrderId(1_000);

    const result = await handle.result();

    expect(result).toEqual({ status: 'expired' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
    expect(log.inputsOf('expireOrder', orderId)).toEqual([{ orderId }]);
    expect(log.inputsOf('cancelOrder', orderId)).toEqual([]);
    expect(await searchAttributeOf(handle, OrderStatusKey)).toBe('expired');
  });

  it('when the expiry timer fires while cancel is in flight, then only cancelOrder runs and the run ends cancelled', async () => {
    const { orderId, handle } = await placedOrderId(1_000);
    gates.close('cancelOrder', orderId);

    const cancel = handle.executeUpdate(cancelOrderUpdate, { args: [{ actorId: 'buyer' }] });
    await log.waitForCall('cancelOrder', orderId, 10_000);
    // The timer comes due on the server while the write holds the workflow task; the server
    // buffers its event until that task ends, and drops it once the task cancels the timer.
    await sleep(3_000);
    gates.open('cancelOrder', orderId);

    expect((await cancel).status).toBe('cancelled');
    expect(await handle.result()).toEqual({ status: 'cancelled' });
    expect(log.inputsOf('cancelOrder', orderId)).toHaveLength(1);
    expect(log.inputsOf('expireOrder', orderId)).toEqual([]);
  });

  it('when cancel arrives while expireOrder is in flight, then cancel is refused and the run ends expired', async () => {
    const { orderId, handle } = await placedOrderId(1_000);
    gates.close('expireOrder', orderId);
    await log.waitForCall('expireOrder', orderId, 10_000);

    const cancel = await sendAdmitted(handle, (updateId) =>
      handle.executeUpdate(cancelOrderUpdate, { args: [{ actorId: 'buyer' }], updateId }),
    );
    gates.open('expireOrder', orderId);

    expectRefusedAfterWrite(await cancel.rejection, {
      orderStatus: 'expired',
      requested: 'cancelled',
    });
    expect(await handle.result()).toEqual({ status: 'expired' });
    expect(log.inputsOf('expireOrder', orderId)).toHaveLength(1);
    expect(log.inputsOf('cancelOrder', orderId)).toEqual([]);
  });

  it('when cancels race the expiry timer of 6 orders, then each order runs exactly one of cancelOrder/expireOrder', async () => {
    const placed = await Promise.all([0, 1, 2, 3, 4, 5].map(() => placedOrderId(1_000)));

    const outcomes = await Promise.all(
      placed.map(async ({ handle }, index) => {
        await new Promise((resolve) => setTimeout(resolve, 850 + index * 60));
        const cancel = handle.executeUpdate(cancelOrderUpdate, { args: [{ actorId: 'buyer' }] });
        const [cancelled, result] = await Promise.allSettled([cancel, handle.result()]);
        return { cancelled: cancelled.status === 'fulfilled', result };
      }),
    );

    for (const [index, { orderId }] of placed.entries()) {
      const cancels = log.inputsOf('cancelOrder', orderId).length;
      const expiries = log.inputsOf('expireOrder', orderId).length;
      const { cancelled, result } = outcomes[index]!;
      expect(cancels + expiries).toBe(1);
      expect(cancelled).toBe(cancels === 1);
      expect(result).toEqual({
        status: 'fulfilled',
        value: { status: cancels === 1 ? 'cancelled' : 'expired' },
      });
    }
  });
});
