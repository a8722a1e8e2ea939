import { createRoute } from '@hono/zod-openapi';
import { consumeRetainerBodySchema, createRetainerBodySchema } from '../../domain/ledger';
import { idParamSchema } from '../../domain/schemas';
import { assertRole } from '../middleware/auth';
import {
  jsonBody,
  newRouter,
  requestResourceId,
  responses,
  secured,
  type ApiDeps,
} from '../router';
import { consumeRetainer, openRetainer } from './service';

const tags = ['ledger'];

const openRoute = createRoute({
  method: 'post',
  path: '/retainers',
  tags,
  security: secured,
  summary: 'Open a retainer for a client, funded with initialAmountMinor (staff)',
  request: { body: jsonBody(createRetainerBodySchema) },
  responses: responses(201),
});

const consumeRoute = createRoute({
  method: 'post',
  path: '/retainers/{id}/consume',
  tags,
  security: secured,
  summary: 'Consume part of a retainer (staff); 409 insufficient_funds past zero',
  request: { params: idParamSchema, body: jsonBody(consumeRetainerBodySchema) },
  responses: responses(200),
});

/**
 * retainerRoutes serves client retainers (SPEC.md §5): a retainer is an account of kind
 * `retainer` funded from outside; each consume is its own `transfer-<id>` to revenue.
 */
export function retainerRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(openRoute, async (c) => {
    const user = c.get('user');
    assertRole(user, ['staff']);
    const retainerId = requestResourceId(c, 'retainer');
    return c.json(await openRetainer(deps, { user, retainerId, ...c.req.valid('json') }), 201);
  });
  app.openapi(consumeRoute, async (c) => {
    const user = c.get('user');
    assertRole(user, ['staff']);
    const input = { retainerId: c.req.valid('param').id, ...c.req.valid('json') };
    const transferId = requestResourceId(c, 'transfer');
    return c.json(await consumeRetainer(deps, { user, transferId, ...input }), 200);
  });
  return app;
}
