import { listOrders } from '../../db/orders';
import { payOrderBodySchema, placeOrderBodySchema } from '../../domain/orders-schemas';
import { idParamSchema, pageQuerySchema, uuidSchema } from '../../domain/schemas';
import type { Context } from 'hono';
import type { z } from 'zod';
import { listedCustomerFor, type Role } from '../middleware/auth';
import { validationError } from '../middleware/errors';
import {
  type ApiDeps,
  type AppEnv,
  jsonBody,
  newRouter,
  requestResourceId,
  routeFor,
  afterCursor,
  newestFirstPage,
} from '../router';
import { rawBodyOf, recordUngatedRefusal, requestMetaOf } from './audit';
import { cancelOrder, fulfillOrder, payOrder, placeOrder, visibleOrder } from './service';
import { rateLimitHeaders } from './submission';

const route = routeFor('orders');
const listQuerySchema = pageQuerySchema.extend({ customerId: uuidSchema.optional() });

const placeRoute = route('post', '/orders', {
  summary:
    "Place an order (customer) through the customer's gate; with pay, paid in the same transaction or not placed at all: 429 throttled/backoff, 409 duplicate_submission, insufficient_stock, insufficient_allowance, insufficient_funds, 404 for a pay account not the caller's",
  request: { body: jsonBody(placeOrderBodySchema) },
  status: 201,
  roles: ['customer'],
});

const listRoute = route('get', '/orders', {
  summary: 'List orders, newest first (own for customers; any for staff)',
  request: { query: listQuerySchema },
  status: 200,
  roles: ['customer', 'staff'],
});

const getRoute = route('get', '/orders/{id}', {
  summary: 'Get an order (owner, staff)',
  request: { params: idParamSchema },
  status: 200,
  roles: ['customer', 'staff'],
});

const payRoute = route('post', '/orders/{id}/pay', {
  summary: "Pay an order from a wallet (owner); debits once; 404 for an account not the caller's",
  request: { params: idParamSchema, body: jsonBody(payOrderBodySchema) },
  status: 200,
  roles: ['customer'],
});

/** actionRoute documents `POST /orders/{id}/<action>`, an action without a body. */
function actionRoute(action: 'cancel' | 'fulfill', summary: string, roles: readonly Role[]) {
  return route('post', `/orders/{id}/${action}`, {
    summary,
    request: { params: idParamSchema },
    status: 200,
    roles,
  });
}

const cancelRoute = actionRoute(
  'cancel',
  'Cancel an order, releasing stock and refunding (owner, staff)',
  ['customer', 'staff'],
);
const fulfillRoute = actionRoute('fulfill', 'Fulfil a paid order (staff)', ['staff']);

/**
 * auditInvalidBody is the placement route's validation hook: a customer's body that fails the
 * schema is refused 422 `validation_failed` like any other, after its `order_failures` row
 * (SPEC.md §8: every refused submission is audited; the raw body is the cart snapshot), or
 * 429 `throttled` past the caller's WRITES_PER_MINUTE (recordUngatedRefusal).
 */
async function auditInvalidBody(
  deps: ApiDeps,
  error: z.ZodError,
  c: Context<AppEnv>,
): Promise<never> {
  const refusal = validationError(error);
  const user = c.get('user');
  if (user?.role === 'customer') {
    const key = c.req.header('idempotency-key');
    await recordUngatedRefusal(
      deps,
      {
        user,
        orderId: key === undefined ? null : requestResourceId(c, 'order'),
        idempotencyKey: key,
        cart: await rawBodyOf(c),
        cartHash: null,
        paymentMethod: null,
        meta: requestMetaOf(c),
      },
      refusal,
    );
  }
  throw refusal;
}

/**
 * orderRoutes serves SPEC.md §4 and §8: placement answered synchronously through the
 * customer's gate (201 with RateLimit headers; 409, 422 or 429 with its audit row), reads
 * straight from PostgreSQL, and pay, cancel and fulfil as Updates to `order-<id>` through the
 * order service.
 */
export function orderRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(
    placeRoute,
    async (c) => {
      const user = c.get('user');
      const { order, rateLimit } = await placeOrder(deps, {
        user,
        body: c.req.valid('json'),
        orderId: requestResourceId(c, 'order'),
        idempotencyKey: c.req.header('idempotency-key'),
        meta: requestMetaOf(c),
      });
      return c.json(order, 201, rateLimitHeaders(rateLimit));
    },
    (result, c) => (result.success ? undefined : auditInvalidBody(deps, result.error, c)),
  );
  app.openapi(listRoute, async (c) => {
    const user = c.get('user');
    const { limit, cursor, customerId } = c.req.valid('query');
    const owner = listedCustomerFor(user, customerId);
    const after = afterCursor(cursor);
    const items = await listOrders(deps.db, { customerId: owner, limit, after });
    return c.json(newestFirstPage(items, limit), 200);
  });
  app.openapi(getRoute, async (c) =>
    c.json(await visibleOrder(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(payRoute, async (c) => {
    const user = c.get('user');
    const { accountId } = c.req.valid('json');
    return c.json(await payOrder(deps, { user, orderId: c.req.valid('param').id, accountId }), 200);
  });
  app.openapi(cancelRoute, async (c) => {
    const user = c.get('user');
    return c.json(await cancelOrder(deps, { user, orderId: c.req.valid('param').id }), 200);
  });
  app.openapi(fulfillRoute, async (c) => {
    const user = c.get('user');
    return c.json(await fulfillOrder(deps, { user, orderId: c.req.valid('param').id }), 200);
  });
  return app;
}
