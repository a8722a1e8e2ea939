import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { OrderView } from '../domain/orders';
import { AmountMinorKey, CustomerIdKey, OrderStatusKey } from '../domain/search-attributes';
import type { Db } from '../db/connection';
import type { PlacementInput } from '../db/orders-placement';
import type { orderWorkflow } from '../workflows/orders';
import { placeOrder } from './orders';

/*
 * The order gate's activity (SPEC.md §8): the gate places an accepted submission itself and
 * starts the order's lifecycle workflow only then, so a submission costs one interaction with
 * the gate instead of a gate interaction plus an Update-with-Start of `order-<id>`.
 */

/** PlaceGatedOrderInput is one accepted submission to place: the placement and who asked. */
export interface PlaceGatedOrderInput extends PlacementInput {
  actorId: string;
}

/** GateActivityDeps are what the gate's activity needs: the database and a Temporal client. */
export interface GateActivityDeps {
  db: Db;
  temporal: Client;
}

/**
 * placeGatedOrder places the order in one transaction (placeOrder; a retry finds it placed),
 * then starts `order-<id>` with it, so that workflow only waits for payment, cancel or expiry.
 * The start keeps an existing run, so a retry after a crash between the steps finishes the job
 * and no placed order is left without its expiry timer.
 * @throws placeOrder's DomainErrors, see api/orders/service.ts placeOrder.
 */
export async function placeGatedOrder(
  deps: GateActivityDeps,
  input: PlaceGatedOrderInput,
): Promise<OrderView> {
  const placed = await placeOrder(deps.db, input);
  await startOrderLifecycle(deps.temporal, input, placed);
  return placed;
}

/**
 * startOrderLifecycle starts `order-<id>` for a placed order on this activity's task queue,
 * with reuse policy REJECT_DUPLICATE and the search attributes set at start (CustomerId,
 * OrderStatus, AmountMinor), so the run needs no upsert, as an eager start (the worker runs its
 * first task from the response). An existing run is left as it is.
 */
async function startOrderLifecycle(
  temporal: Client,
  input: PlaceGatedOrderInput,
  placed: OrderView,
): Promise<void> {
  try {
    await temporal.workflow.start<typeof orderWorkflow>('orderWorkflow', {
      workflowId: input.workflowId,
      taskQueue: Context.current().info.taskQueue,
      args: [
        {
          orderId: input.orderId,
          customerId: input.customerId,
          actorId: input.actorId,
          lines: input.lines,
          paymentMethod: input.paymentMethod,
          paymentTtlMs: input.paymentTtlMs,
          fromCart: input.fromCart ?? false,
          placed,
        },
      ],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // Its first workflow task comes back in the start's response to this worker (the client
      // shares the worker's NativeConnection), skipping the trip through matching.
      requestEagerStart: true,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: CustomerIdKey, value: placed.customerId },
        { key: OrderStatusKey, value: placed.status },
        { key: AmountMinorKey, value: placed.totalMinor },
      ]),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
