import { cartAddBodySchema, cartSetBodySchema, productIdParamSchema } from '../../domain/carts';
import { DomainError } from '../../domain/errors';
import * as carts from '../../db/carts';
import { findVisibleProductIds } from '../../db/catalog';
import { type ApiDeps, jsonBody, newRouter, routeFor } from '../router';

const route = routeFor('cart');

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
    route('get', '/cart', {
      summary: 'Read my cart (customer)',
      status: 200,
      roles: ['customer'],
    }),
    async (c) => {
      const user = c.get('user');
      return c.json(await carts.getCart(db, user.sub), 200);
    },
  );

  app.openapi(
    route('post', '/cart/items', {
      summary: 'Add units to a cart line atomically (customer)',
      request: { body: jsonBody(cartAddBodySchema) },
      status: 200,
      roles: ['customer'],
    }),
    async (c) => {
      const user = c.get('user');
      const body = c.req.valid('json');
      await assertVisible(body.productId, 'productId');
      return c.json(await carts.addCartItem(db, { customerId: user.sub, ...body }), 200);
    },
  );

  app.openapi(
    route('put', '/cart/items/{productId}', {
      summary: 'Set a cart line; 0 removes it (customer)',
      request: { params: productIdParamSchema, body: jsonBody(cartSetBodySchema) },
      status: 200,
      roles: ['customer'],
    }),
    async (c) => {
      const user = c.get('user');
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
