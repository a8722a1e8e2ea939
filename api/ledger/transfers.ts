import {
  postHoldBodySchema,
  transferBodySchema,
  transferIdParamSchema,
} from '../../domain/ledger-schemas';
import { type ApiDeps, jsonBody, newRouter, requestResourceId, routeFor } from '../router';
import { resolveHold, transfer, visibleTransfer } from './service';

const route = routeFor('ledger');

const transferRoute = route('post', '/transfers', {
  summary:
    'Move money between two accounts (owner of the source, staff); with hold, a pending two-phase transfer',
  request: { body: jsonBody(transferBodySchema) },
  status: 201,
  roles: ['customer', 'staff'],
});

const getRoute = route('get', '/transfers/{id}', {
  summary: 'Read a transfer (its parties, staff)',
  request: { params: transferIdParamSchema },
  status: 200,
});

/** resolveRoute documents `POST /transfers/{id}/post` and `/void` (an optional JSON body). */
function resolveRoute(action: 'post' | 'void') {
  return route('post', `/transfers/{id}/${action}`, {
    summary:
      action === 'post'
        ? 'Post a pending hold, possibly for less (source owner, staff)'
        : 'Void a pending hold (source owner, staff)',
    request: {
      params: transferIdParamSchema,
      body: { required: false, content: { 'application/json': { schema: postHoldBodySchema } } },
    },
    status: 200,
  });
}

/**
 * transferRoutes serves transfers and holds (SPEC.md §5): `POST /v1/transfers` runs
 * `transfer-<id>` (ID from the Idempotency-Key, reuse policy REJECT_DUPLICATE) and answers 201
 * `posted`; with `hold: {timeout}` it places a two-phase hold (`pending`) that
 * `POST /v1/transfers/:id/post` or `/void` resolves once, or its timer voids.
 */
export function transferRoutes(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(transferRoute, async (c) => {
    const transferId = requestResourceId(c, 'transfer');
    const input = { user: c.get('user'), transferId, body: c.req.valid('json') };
    return c.json(await transfer(deps, input), 201);
  });
  app.openapi(getRoute, async (c) =>
    c.json(await visibleTransfer(deps, c.get('user'), c.req.valid('param').id), 200),
  );
  for (const action of ['post', 'void'] as const) {
    app.openapi(resolveRoute(action), async (c) => {
      const { amountMinor } = c.req.valid('json');
      const input = { transferId: c.req.valid('param').id, action, amountMinor };
      return c.json(await resolveHold(deps, { user: c.get('user'), ...input }), 200);
    });
  }
  return app;
}
