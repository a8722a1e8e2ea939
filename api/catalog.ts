import { createRoute } from '@hono/zod-openapi';
import {
  createProductBodySchema,
  createSellerBodySchema,
  productSearchQuerySchema,
  restockBodySchema,
} from '../domain/catalog';
import { DomainError } from '../domain/errors';
import { idParamSchema } from '../domain/schemas';
import * as catalog from '../db/catalog';
import { assertRole } from './middleware/auth';
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

const tags = ['catalog'];

/**
 * catalogRoutes serves SPEC.md §2: sellers with approval, products, search and get (which hide
 * non-approved sellers' products in SQL) and restock.
 */
export function catalogRoutes(deps: ApiDeps) {
  const { db } = deps;
  const app = newRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sellers',
      tags,
      security: secured,
      summary: 'Create a pending seller (staff)',
      request: { body: jsonBody(createSellerBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['staff']);
      const body = c.req.valid('json');
      const id = requestResourceId(c, 'seller');
      return c.json(await catalog.createSeller(db, { id, ...body }), 201);
    },
  );

  for (const [action, status] of [
    ['approve', 'approved'],
    ['suspend', 'suspended'],
  ] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/sellers/{id}/${action}`,
        tags,
        security: secured,
        summary: `Mark a seller ${status} (staff)`,
        request: { params: idParamSchema },
        responses: responses(200),
      }),
      async (c) => {
        assertRole(c.get('user'), ['staff']);
        return c.json(
          await catalog.setSellerApproval(db, { sellerId: c.req.valid('param').id, status }),
          200,
        );
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/products',
      tags,
      security: secured,
      summary: 'Create a product (staff, or operator of that seller)',
      request: { body: jsonBody(createProductBodySchema) },
      responses: responses(201),
    }),
    async (c) => {
      const user = c.get('user');
      const body = c.req.valid('json');
      if (!(
        user.role === 'staff' ||
        (user.role === 'operator' && user.sellerId === body.sellerId)
      )) {
        throw new DomainError(
          'forbidden',
          'Only staff or an operator of this seller may add its products',
        );
      }
      const id = requestResourceId(c, 'product');
      return c.json(await catalog.createProduct(db, { id, ...body }), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products',
      tags,
      security: secured,
      summary: 'Search visible products',
      request: { query: productSearchQuerySchema },
      responses: responses(200),
    }),
    async (c) => {
      const { q, category, limit, cursor } = c.req.valid('query');
      const after = decodeCursor(cursor, ['name', 'id'] as const);
      const items = await catalog.searchProducts(db, { q: q || undefined, category, limit, after });
      return c.json(
        page(items, limit, (last) => ({ name: last.name, id: last.id })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products/{id}',
      tags,
      security: secured,
      summary: 'Get a product (404 when its seller is not approved)',
      request: { params: idParamSchema },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      const product = await catalog.findProduct(db, c.req.valid('param').id, {
        visibleOnly: user.role === 'customer',
      });
      if (!product) throw new DomainError('not_found', 'No such product');
      return c.json(product, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/products/{id}/restock',
      tags,
      security: secured,
      summary: 'Add stock on hand (staff)',
      request: { params: idParamSchema, body: jsonBody(restockBodySchema) },
      responses: responses(200),
    }),
    async (c) => {
      assertRole(c.get('user'), ['staff']);
      const stock = await catalog.restock(db, {
        productId: c.req.valid('param').id,
        quantity: c.req.valid('json').quantity,
      });
      return c.json(stock, 200);
    },
  );

  return app;
}
