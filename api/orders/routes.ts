import { createRoute, z } from '@hono/zod-openapi';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Client,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { getCart } from '../activities/cart';
import { findVisibleProductIds } from '../activities/catalog';
import { findOrder, listOrders } from '../activities/orders';
import { DomainError, domainErrorFromFailure, isErrorCode } from '../domain/errors';
import {
  assertOrderTransition,
  TERMINAL_ORDER_STATUSES,
  cancelOrderUpdate,
  fulfillOrderUpdate,
  payOrderUpdate,
  placeOrderUpdate,
  type OrderLineInput,
  type OrderStatus,
  type OrderView,
  type OrderWorkflowInput,
} from '../domain/order';
import {
  idParamSchema,
  pageQuerySchema,
  placeOrderBodySchema,
  uuidSchema,
} from '../domain/schemas';
import { workflowIds } from '../domain/workflow-ids';
import { orderWorkflow } from '../workflows/order';
import { CustomerIdKey } from '../workflows/search-attributes';
import { assertRole, type AuthUser } from './middleware/auth';
import {
  decodeCursor,
  page,
  jsonBody,
  newRouter,
  responses,
  secured,
  type ApiDeps,
  requestResourceId,
} from './router';

const tags = ['orders'];
const payBodySchema = z.object({ accountId: uuidSchema }).strict();
const listQuerySchema = pageQuerySchema.extend({ customerId: uuidSchema.optional() });

/**
 * orderRoutes serves SPEC.md §4. Placement is an Update-with-Start on `order-<id>` (reuse
 * policy REJECT_DUPLICATE, conflict policy USE_EXISTING) answered synchronously; pay, cancel
 * and fulfil are Updates to the same workflow. Reads go straight to PostgreSQL.
 */
export function orderRoutes(deps: ApiDeps) {
  const { db, temporal, config } = deps;
  const app = newRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/orders',
      tags,
      security: secured,
      summary: 'Place an order (customer); 409 insufficient_stock',
      request: { body: jsonBody(placeOrderBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['customer']);
      const body = c.req.valid('json');
      const lines = body.fromCart ? await cartLines(user.sub) : body.lines!;
      await assertLinesVisible(lines);
      const orderId = requestResourceId(c, 'order');
      let order = await placeOrder({
        orderId,
        customerId: user.sub,
        actorId: user.sub,
        lines,
        paymentMethod: body.paymentMethod,
        paymentTtlMs: config.orderPaymentTtlMs,
        fromCart: body.fromCart === true,
      });
      if (body.pay) {
        try {
          order = await updateOrder(order.id, 'paid', (h) =>
            h.executeUpdate(payOrderUpdate, {
              args: [{ accountId: body.pay!.accountId, actorId: user.sub }],
            }),
          );
        } catch (err) {
          const domain = domainErrorFromFailure(err);
          if (!domain) throw err;
          return c.json(
            {
              ...order,
              paymentError: { code: domain.code, detail: domain.message, ...domain.extra },
            },
            201,
          );
        }
      }
      return c.json(order, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders',
      tags,
      security: secured,
      summary: 'List orders, newest first (own for customers; any for staff)',
      request: { query: listQuerySchema },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['customer', 'staff']);
      const { limit, cursor, customerId } = c.req.valid('query');
      const after = decodeCursor(cursor, ['createdAt', 'id'] as const);
      const items = await listOrders(db, {
        customerId: user.role === 'customer' ? user.sub : customerId,
        limit,
        after,
      });
      return c.json(
        page(items, limit, (last) => ({ createdAt: last.createdAt, id: last.id })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/orders/{id}',
      tags,
      security: secured,
      summary: 'Get an order (owner, staff)',
      request: { params: idParamSchema },
      responses: responses(200),
    }),
    async (c) => c.json(await visibleOrder(c.get('user'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/orders/{id}/pay',
      tags,
      security: secured,
      summary: 'Pay an order from a wallet (owner); debits once',
      request: { params: idParamSchema, body: jsonBody(payBodySchema) },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['customer']);
      const order = await visibleOrder(user, c.req.valid('param').id);
      const { accountId } = c.req.valid('json');
      const paid = await updateOrder(order.id, 'paid', (h) =>
        h.executeUpdate(payOrderUpdate, { args: [{ accountId, actorId: user.sub }] }),
      );
      return c.json(paid, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/orders/{id}/cancel',
      tags,
      security: secured,
      summary: 'Cancel an order, releasing stock and refunding (owner, staff)',
      request: { params: idParamSchema },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['customer', 'staff']);
      const order = await visibleOrder(user, c.req.valid('param').id);
      const cancelled = await updateOrder(order.id, 'cancelled', (h) =>
        h.executeUpdate(cancelOrderUpdate, { args: [{ actorId: user.sub }] }),
      );
      return c.json(cancelled, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/orders/{id}/fulfill',
      tags,
      security: secured,
      summary: 'Fulfil a paid order (staff)',
      request: { params: idParamSchema },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const order = await visibleOrder(user, c.req.valid('param').id);
      const fulfilled = await updateOrder(order.id, 'fulfilled', (h) =>
        h.executeUpdate(fulfillOrderUpdate, { args: [{ actorId: user.sub }] }),
      );
      return c.json(fulfilled, 200);
    },
  );

  /** cartLines reads the caller's cart as order lines. @throws 422 when the cart is empty. */
  async function cartLines(customerId: string): Promise<OrderLineInput[]> {
    const { items } = await getCart(db, customerId);
    if (items.length === 0) {
      throw new DomainError('validation_failed', 'The cart is empty', {
        errors: [{ path: 'fromCart', message: 'the cart is empty' }],
      });
    }
    return items;
  }

  /** assertLinesVisible validates every line's product before any write (SPEC.md §4). */
  async function assertLinesVisible(lines: OrderLineInput[]): Promise<void> {
    const visible = await findVisibleProductIds(db, [...new Set(lines.map((l) => l.productId))]);
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

  /** visibleOrder reads an order the caller may see: its owner or staff; others get 404. */
  async function visibleOrder(user: AuthUser, orderId: string): Promise<OrderView> {
    const order = await findOrder(db, orderId);
    if (!order || (user.role !== 'staff' && order.customerId !== user.sub))
      throw new DomainError('not_found', 'No such order');
    return order;
  }

  /**
   * placeOrder sends the `place` Update with Update-with-Start. When the workflow already ran
   * and closed (a duplicate of a refused or finished placement), the stored order or the
   * workflow's recorded refusal answers instead.
   */
  async function placeOrder(input: OrderWorkflowInput): Promise<OrderView> {
    const workflowId = workflowIds.order(input.orderId);
    const startWorkflowOperation = new WithStartWorkflowOperation(orderWorkflow, {
      workflowId,
      taskQueue: config.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: new TypedSearchAttributes([
        { key: CustomerIdKey, value: input.customerId },
      ]),
    });
    try {
      return await temporal.workflow.executeUpdateWithStart(placeOrderUpdate, {
        startWorkflowOperation,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const placed = await findOrder(db, input.orderId);
      if (placed) return placed;
      const { rejection } = await temporal.workflow
        .getHandle<typeof orderWorkflow>(workflowId)
        .result();
      const code = rejection && isErrorCode(rejection.code) ? rejection.code : 'unavailable';
      throw new DomainError(
        code,
        rejection?.detail ?? 'This order was refused earlier',
        rejection?.extra ?? {},
      );
    }
  }

  /**
   * updateOrder sends an Update to `order-<id>`. When Temporal refuses it without a domain
   * answer (the run has closed, or closed while the Update was in flight), the stored order
   * decides: a closed run means a terminal status, whose transition the state machine refuses
   * with its SPEC code. Any other failure propagates (503).
   */
  async function updateOrder(
    orderId: string,
    target: OrderStatus,
    send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<OrderView>,
  ): Promise<OrderView> {
    try {
      return await send(temporal.workflow.getHandle(workflowIds.order(orderId)));
    } catch (err) {
      if (domainErrorFromFailure(err)) throw err;
      const order = (await findOrder(db, orderId))!;
      if (!TERMINAL_ORDER_STATUSES.includes(order.status)) throw err;
      assertOrderTransition(order.status, target);
      return order;
    }
  }

  return app;
}
