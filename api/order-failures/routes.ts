import { listOrderFailures, orderFailureAnalytics } from '../../db/order-failures';
import {
  listOrderFailuresQuerySchema,
  orderFailureAnalyticsQuerySchema,
} from '../../domain/order-failures-schemas';
import { type ApiDeps, newRouter, routeFor, afterCursor, newestFirstPage } from '../router';

const route = routeFor('order-failures');

// The analytics route comes first, so that a later `/admin/order-failures/{id}` never takes
// `analytics` for an ID.
const analyticsRoute = route('get', '/admin/order-failures/analytics', {
  summary: 'Failed-attempt analytics over the last `days` UTC dates (staff)',
  request: { query: orderFailureAnalyticsQuerySchema },
  status: 200,
  roles: ['staff'],
});

const listRoute = route('get', '/admin/order-failures', {
  summary: 'List refused order submissions, newest first, by customer (staff)',
  request: { query: listOrderFailuresQuerySchema },
  status: 200,
  roles: ['staff'],
});

/**
 * orderFailureRoutes serves the failed-attempt audit of SPEC.md §8 to staff (customers and
 * operators get 403 `forbidden`): the refused submissions newest first, and their analytics
 * computed in SQL. Read-only: audit rows are written by the order gate, never through the API.
 */
export function orderFailureRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(analyticsRoute, async (c) => {
    const { days, customerId } = c.req.valid('query');
    return c.json(await orderFailureAnalytics(deps.db, { days, customerId }), 200);
  });
  app.openapi(listRoute, async (c) => {
    const { limit, cursor, customerId } = c.req.valid('query');
    const after = afterCursor(cursor);
    const items = await listOrderFailures(deps.db, { customerId, limit, after });
    return c.json(newestFirstPage(items, limit), 200);
  });
  return app;
}
