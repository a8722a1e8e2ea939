import { createRoute } from '@hono/zod-openapi';
import { cartAddBodySchema, cartSetBodySchema, productIdParamSchema } from '../domain/carts';
import { DomainError } from '../domain/errors';
import * as carts from '../db/carts';
import { findVisibleProductIds } from '../db/catalog';
import { assertRole } from './middleware/auth';
import { jsonBody, newRouter, responses, secured, type ApiDeps } from './router';

const tags = ['cart'];

/** cartRoutes serves SPEC.md §3: a customer's cart with atomic adds (no lost updates). */
export function cartRoutes(deps: ApiDeps) {
  const { db } = deps;
  const app = newRouter();

  /** assertVisible refuses a product that does not exist or whose seller is not approved (422). */
  async function assertVisible(productId: string, path: string): Promise<void> {
    if ((await findVisibleProductIds(db, [productId])).has(productId)) return;
    throw new DomainError('validation_failed', 'Unknown product', {
      errors: [{ path, message: `unknown product ${productId}` }],
    });
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/cart',
      tags,
      security: secured,
      summary: 'Read my cart (customer)',
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['customer']);
      return c.json(await carts.getCart(db, user.sub), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cart/items',
      tags,
      security: secured,
      summary: 'Add units to a cart line atomically (customer)',
      request: { body: jsonBody(cartAddBodySchema) },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['customer']);
      const body = c.req.valid('json');
      await assertVisible(body.productId, 'productId');
      return c.json(await carts.addCartItem(db, { customerId: user.sub, ...body }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/cart/items/{productId}',
      tags,
      security: secured,
      summary: 'Set a cart line; 0 removes it (customer)',
      request: { params: productIdParamSchema, body: jsonBody(cartSetBodySchema) },
      responses: responses(200),
    }),
    async (c) => {
      const user = c.get('user');
      assertRole(user, ['customer']);
      const { productId } = c.req.valid('param');
      const { quantity } = c.req.valid('json');
      if (quantity > 0) await assertVisible(productId, 'productId');
      return c.json(
        await carts.setCartItem(db, { customerId: user.sub, productId, quantity }),
        200,
      );
    },
  );

  return app;
}
