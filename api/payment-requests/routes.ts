import { listPaymentRequests } from '../../db/payment-requests';
import {
  approveBodySchema,
  createPaymentRequestBodySchema,
  listPaymentRequestsQuerySchema,
  rejectBodySchema,
} from '../../domain/payment-requests-schemas';
import { idParamSchema } from '../../domain/schemas';
import {
  type ApiDeps,
  jsonBody,
  newRouter,
  requestResourceId,
  routeFor,
  afterCursor,
  newestFirstPage,
} from '../router';
import { createPaymentRequest, decidePaymentRequest, visiblePaymentRequest } from './service';

const route = routeFor('payment-requests');

const createRoute = route('post', '/payment-requests', {
  summary: 'Ask for a payment between two accounts (anyone) → pending_approval',
  request: { body: jsonBody(createPaymentRequestBodySchema) },
  status: 201,
});

const approveRoute = route('post', '/payment-requests/{id}/approve', {
  summary: 'Approve (staff, not the requester): the first decision wins and pays out once',
  request: { params: idParamSchema, body: jsonBody(approveBodySchema) },
  status: 200,
  roles: ['staff'],
});

const rejectRoute = route('post', '/payment-requests/{id}/reject', {
  summary: 'Reject (staff, not the requester): the first decision wins',
  request: { params: idParamSchema, body: jsonBody(rejectBodySchema) },
  status: 200,
  roles: ['staff'],
});

const getRoute = route('get', '/payment-requests/{id}', {
  summary: 'Get a request with its approval and payout (requester, staff)',
  request: { params: idParamSchema },
  status: 200,
});

const listRoute = route('get', '/payment-requests', {
  summary: 'List payment requests, newest first, by status (staff)',
  request: { query: listPaymentRequestsQuerySchema },
  status: 200,
  roles: ['staff'],
});

/**
 * paymentRequestRoutes serves SPEC.md §7: creation answered synchronously (201
 * `pending_approval`), approve and reject as the `decide` Update to
 * `payment-request-<id>-approval` (403 `self_approval`, 409 `already_decided`), and reads
 * straight from PostgreSQL.
 */
export function paymentRequestRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(createRoute, async (c) => {
    const paymentRequestId = requestResourceId(c, 'payment-request');
    const input = { user: c.get('user'), body: c.req.valid('json'), paymentRequestId };
    return c.json(await createPaymentRequest(deps, input), 201);
  });
  app.openapi(approveRoute, async (c) => {
    const user = c.get('user');
    const { note } = c.req.valid('json');
    const decision = { decision: 'approved' as const, approverId: user.sub, note };
    const id = c.req.valid('param').id;
    return c.json(await decidePaymentRequest(deps, { user, id, decision }), 200);
  });
  app.openapi(rejectRoute, async (c) => {
    const user = c.get('user');
    const { reason } = c.req.valid('json');
    const decision = { decision: 'rejected' as const, approverId: user.sub, note: reason };
    const id = c.req.valid('param').id;
    return c.json(await decidePaymentRequest(deps, { user, id, decision }), 200);
  });
  app.openapi(getRoute, async (c) =>
    c.json(await visiblePaymentRequest(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(listRoute, async (c) => {
    const { limit, cursor, status } = c.req.valid('query');
    const after = afterCursor(cursor);
    const items = await listPaymentRequests(deps.db, { status, limit, after });
    return c.json(newestFirstPage(items, limit), 200);
  });
  return app;
}
