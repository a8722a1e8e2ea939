import { consumeRetainerBodySchema, createRetainerBodySchema } from '../../domain/ledger-schemas';
import { idParamSchema } from '../../domain/schemas';
import { type ApiDeps, jsonBody, newRouter, requestResourceId, routeFor } from '../router';
import { consumeRetainer, openRetainer } from './service';

const route = routeFor('ledger');

const openRoute = route('post', '/retainers', {
  summary: 'Open a retainer for a client, funded with initialAmountMinor (staff)',
  request: { body: jsonBody(createRetainerBodySchema) },
  status: 201,
  roles: ['staff'],
});

const consumeRoute = route('post', '/retainers/{id}/consume', {
  summary: 'Consume part of a retainer (staff); 409 insufficient_funds past zero',
  request: { params: idParamSchema, body: jsonBody(consumeRetainerBodySchema) },
  status: 200,
  roles: ['staff'],
});

/**
 * retainerRoutes serves client retainers (SPEC.md §5): a retainer is an account of kind
 * `retainer` funded from outside; each consume is its own `transfer-<id>` to revenue.
 */
export function retainerRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(openRoute, async (c) => {
    const user = c.get('user');
    const retainerId = requestResourceId(c, 'retainer');
    return c.json(await openRetainer(deps, { user, retainerId, ...c.req.valid('json') }), 201);
  });
  app.openapi(consumeRoute, async (c) => {
    const user = c.get('user');
    const input = { retainerId: c.req.valid('param').id, ...c.req.valid('json') };
    // Its own scope: a key reused on a deposit or POST /v1/transfers never names this transfer.
    const transferId = requestResourceId(c, 'retainer-consumption');
    return c.json(await consumeRetainer(deps, { user, transferId, ...input }), 200);
  });
  return app;
}
