import * as catalog from '../../db/catalog';
import {
  createProductBodySchema,
  createSellerBodySchema,
  productCursorSchema,
  productSearchQuerySchema,
  restockBodySchema,
} from '../../domain/catalog';
import { DomainError } from '../../domain/errors';
import { idParamSchema } from '../../domain/schemas';
import {
  type ApiDeps,
  decodeCursor,
  jsonBody,
  newRouter,
  page,
  requestResourceId,
  routeFor,
} from '../router';
import { assertMayManageSeller } from './service';

const route = routeFor('catalog');

const createSellerRoute = route('post', '/sellers', {
  summary: 'Create a pending seller (staff)',
  request: { body: jsonBody(createSellerBodySchema) },
  status: 201,
  roles: ['staff'],
});

/** approvalRoute documents `POST /sellers/{id}/approve` and `/suspend` (staff). */
function approvalRoute(action: 'approve' | 'suspend') {
  return route('post', `/sellers/{id}/${action}`, {
    summary: `Mark a seller ${action === 'approve' ? 'approved' : 'suspended'} (staff)`,
    request: { params: idParamSchema },
    status: 200,
    roles: ['staff'],
  });
}

const createProductRoute = route('post', '/products', {
  summary: 'Create a product (staff, or operator of that seller)',
  request: { body: jsonBody(createProductBodySchema) },
  status: 201,
  roles: ['staff', 'operator'],
});

const searchRoute = route('get', '/products', {
  summary: 'Search visible products',
  request: { query: productSearchQuerySchema },
  status: 200,
});

const getProductRoute = route('get', '/products/{id}', {
  summary: 'Get a product (404 when its seller is not approved)',
  request: { params: idParamSchema },
  status: 200,
});

const restockRoute = route('post', '/products/{id}/restock', {
  summary: 'Add stock on hand (staff)',
  request: { params: idParamSchema, body: jsonBody(restockBodySchema) },
  status: 200,
  roles: ['staff'],
});

/**
 * catalogRoutes serves SPEC.md §2: sellers with approval, products, search and get (which hide
 * non-approved sellers' products in SQL) and restock. Each write is one atomic statement in
 * db/catalog.ts, with nothing durable to orchestrate, so no workflow is involved.
 */
export function catalogRoutes(deps: ApiDeps) {
  const { db } = deps;
  const app = newRouter();
  app.openapi(createSellerRoute, async (c) => {
    const id = requestResourceId(c, 'seller');
    return c.json(await catalog.createSeller(db, { id, ...c.req.valid('json') }), 201);
  });
  for (const [action, status] of [
    ['approve', 'approved'],
    ['suspend', 'suspended'],
  ] as const) {
    app.openapi(approvalRoute(action), async (c) => {
      const sellerId = c.req.valid('param').id;
      return c.json(await catalog.setSellerApproval(db, { sellerId, status }), 200);
    });
  }
  app.openapi(createProductRoute, async (c) => {
    const body = c.req.valid('json');
    assertMayManageSeller(c.get('user'), body.sellerId, 'products');
    const id = requestResourceId(c, 'product');
    return c.json(await catalog.createProduct(db, { id, ...body }), 201);
  });
  app.openapi(searchRoute, async (c) => {
    const { q, category, limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor, productCursorSchema);
    const items = await catalog.searchProducts(db, { q: q || undefined, category, limit, after });
    return c.json(
      page(items, limit, (last) => ({ name: last.name, id: last.id })),
      200,
    );
  });
  app.openapi(getProductRoute, async (c) => {
    const visibleOnly = c.get('user').role === 'customer';
    const product = await catalog.findProduct(db, c.req.valid('param').id, { visibleOnly });
    if (!product) throw new DomainError('not_found', 'No such product');
    return c.json(product, 200);
  });
  app.openapi(restockRoute, async (c) => {
    const input = { productId: c.req.valid('param').id, quantity: c.req.valid('json').quantity };
    return c.json(await catalog.restock(db, input), 200);
  });
  return app;
}
