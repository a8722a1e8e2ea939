import { listWebhookEndpoints } from '../../db/webhook-endpoints';
import { idParamSchema, pageQuerySchema, uuidSchema } from '../../domain/schemas';
import {
  createWebhookEndpointBodySchema,
  listWebhookDeliveriesQuerySchema,
  patchWebhookEndpointBodySchema,
} from '../../domain/webhooks-schemas';
import {
  type ApiDeps,
  afterCursor,
  jsonBody,
  newestFirstPage,
  newRouter,
  requestResourceId,
  routeFor,
} from '../router';
import {
  createWebhookEndpoint,
  endpointDeliveries,
  redeliver,
  removeWebhookEndpoint,
  rotateSecret,
  scopeOf,
  updateWebhookEndpoint,
  visibleWebhookEndpoint,
} from './service';

const route = routeFor('webhooks');

/** deliveryParamSchema names one delivery of one endpoint in a path. */
const deliveryParamSchema = idParamSchema.extend({ deliveryId: uuidSchema });

/** MANAGERS are the roles that manage endpoints: staff (all), operators (their seller's). */
const MANAGERS = ['staff', 'operator'] as const;

const registerRoute = route('post', '/webhook-endpoints', {
  summary: 'Register a webhook endpoint (staff: all events; operator: its seller’s) → secret once',
  request: { body: jsonBody(createWebhookEndpointBodySchema) },
  status: 201,
  roles: MANAGERS,
});

const listRoute = route('get', '/webhook-endpoints', {
  summary: 'List webhook endpoints, newest first (staff: all; operator: its seller’s)',
  request: { query: pageQuerySchema },
  status: 200,
  roles: MANAGERS,
});

const getRoute = route('get', '/webhook-endpoints/{id}', {
  summary: 'Get a webhook endpoint, without its secret (staff, its seller’s operator)',
  request: { params: idParamSchema },
  status: 200,
  roles: MANAGERS,
});

const patchRoute = route('patch', '/webhook-endpoints/{id}', {
  summary: 'Change an endpoint’s types, description or disabled flag (enabling resets failures)',
  request: { params: idParamSchema, body: jsonBody(patchWebhookEndpointBodySchema) },
  status: 200,
  roles: MANAGERS,
});

const deleteRoute = route('delete', '/webhook-endpoints/{id}', {
  summary: 'Delete a webhook endpoint and its deliveries → the endpoint as it was',
  request: { params: idParamSchema },
  status: 200,
  roles: MANAGERS,
});

const rotateRoute = route('post', '/webhook-endpoints/{id}/rotate-secret', {
  summary: 'Replace an endpoint’s signing secret → the new secret, shown once',
  request: { params: idParamSchema },
  status: 200,
  roles: MANAGERS,
});

const deliveriesRoute = route('get', '/webhook-endpoints/{id}/deliveries', {
  summary: 'List an endpoint’s deliveries, newest first, by status (pending, delivered, failed)',
  request: { params: idParamSchema, query: listWebhookDeliveriesQuerySchema },
  status: 200,
  roles: MANAGERS,
});

const redeliverRoute = route('post', '/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver', {
  summary: 'Send a delivery again (same webhook-id) → the delivery, pending and due now',
  request: { params: deliveryParamSchema },
  status: 200,
  roles: MANAGERS,
});

/**
 * webhookRoutes serves the webhook endpoints of SPEC.md §11: register (201, the `whsec_`
 * secret shown once; Idempotency-Key scope `webhook-endpoint`), list, read, patch, delete,
 * rotate the secret, and list an endpoint's deliveries. Staff and operators only (403 else);
 * an operator reaching another seller's endpoint gets 404.
 */
export function webhookRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(registerRoute, async (c) => {
    const user = c.get('user');
    const endpointId = requestResourceId(c, 'webhook-endpoint');
    const body = c.req.valid('json');
    return c.json(await createWebhookEndpoint(deps, { user, body, endpointId }), 201);
  });
  app.openapi(listRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const scope = scopeOf(c.get('user'));
    const items = await listWebhookEndpoints(deps.db, {
      ...scope,
      limit,
      after: afterCursor(cursor),
    });
    return c.json(newestFirstPage(items, limit), 200);
  });
  app.openapi(getRoute, async (c) =>
    c.json(await visibleWebhookEndpoint(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(patchRoute, async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    return c.json(await updateWebhookEndpoint(deps, { user: c.get('user'), id, patch }), 200);
  });
  app.openapi(deleteRoute, async (c) =>
    c.json(await removeWebhookEndpoint(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(rotateRoute, async (c) =>
    c.json(await rotateSecret(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  app.openapi(deliveriesRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, cursor, status } = c.req.valid('query');
    const after = afterCursor(cursor);
    const items = await endpointDeliveries(deps, { user: c.get('user'), id, status, limit }, after);
    return c.json(newestFirstPage(items, limit), 200);
  });
  app.openapi(redeliverRoute, async (c) => {
    const { id, deliveryId } = c.req.valid('param');
    return c.json(await redeliver(deps, { user: c.get('user'), id, deliveryId }), 200);
  });
  return app;
}
