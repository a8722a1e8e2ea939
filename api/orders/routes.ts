import { listOrders } from '../../db/orders';
import { payOrderBodySchema, placeOrderBodySchema } from '../../domain/orders-schemas';
import { idParamSchema, pageQuerySchema, uuidSchema } from '../../domain/schemas';
import { assertRole } from '../middleware/auth';
import {
  type ApiDeps,
  decodeCursor,
  jsonBody,
  newRouter,
  page,
  requestResourceId,
  routeFor,
} from '../router';
import { cancelOrder, fulfillOrder, payOrder, placeOrder, visibleOrder } from './service';

const route = routeFor('orders');
const listQuerySchema = pageQuerySchema.extend({ customerId: uuidSchema.optional() });

const placeRoute = route('post', '/orders', {
  summary: 'Place an order (customer); 409 insufficient_stock',
  request: { body: jsonBody(placeOrderBodySchema) },
  status: 201,
});

const listRoute = route('get', '/orders', {
  summary: 'List orders, newest first (own for customers; any for staff)',
  request: { query: listQuerySchema },
  status: 200,
});

const getRoute = route('get', '/orders/{id}', {
  summary: 'Get an order (owner, staff)',
  request: { params: idParamSchema },
  status: 200,
});

const payRoute = route('post', '/orders/{id}/pay', {
  summary: 'Pay an order from a wallet (owner); debits once',
  request: { params: idParamSchema, body: jsonBody(payOrderBodySchema) },
  status: 200,
});

/** actionRoute documents `POST /orders/{id}/<action>`, an action without a body. */
function actionRoute(action: 'cancel' | 'fulfill', summary: string) {
  return route('post', `/orders/{id}/${action}`, {
    summary,
    request: { params: idParamSchema },
    status: 200,
  });
}

const cancelRoute = actionRoute(
  'cancel',
  'Cancel an order, releasing stock and refunding (owner, staff)',
);
const fulfillRoute = actionRoute('fulfill', 'Fulfil a paid order (staff)');

/**
 * orderRoutes serves SPEC.md §4: placement answered synchronously (201, or 409
 * `insufficient_stock`), reads straight from PostgreSQL, and pay, cancel and fulfil as Updates
 * to `order-<id>` through the order service.
 */
export function orderRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(placeRoute, async (c) => {
    const user = c.get('user');
    assertRole(user, ['customer']);
    const orderId = requestResourceId(c, 'order');
    return c.json(await placeOrder(deps, { user, body: c.req.valid('json'), orderId }), 201);
  });
  app.openapi(listRoute, async (c) => {
    const user = c.get('user');
    assertRole(user, ['customer', 'staff']);
    const { limit, cursor, customerId } = c.req.valid('query');
    const after = decodeCursor(cursor, ['createdAt', 'id'] as const);
    const owner = user.role === 'customer' ? user.sub : customerId;
    const items = await listOrders(deps.db, { customerId: owner, limit, after });
    return c.json(
      page(items, limit, (last) => ({ createdAt: last.createdAt, id: last.id })),
      200,
    );
  });
  app.openapi(getRoute, async (c) =>
    c.json(await visibleOrder(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(payRoute, async (c) => {
    const user = c.get('user');
    assertRole(user, ['customer']);
    const { accountId } = c.req.valid('json');
    return c.json(await payOrder(deps, { user, orderId: c.req.valid('param').id, accountId }), 200);
  });
  app.openapi(cancelRoute, async (c) => {
    const user = c.get('user');
    assertRole(user, ['customer', 'staff']);
    return c.json(await cancelOrder(deps, { user, orderId: c.req.valid('param').id }), 200);
  });
  app.openapi(fulfillRoute, async (c) => {
    const user = c.get('user');
    assertRole(user, ['staff']);
    return c.json(await fulfillOrder(deps, { user, orderId: c.req.valid('param').id }), 200);
  });
  return app;
}
