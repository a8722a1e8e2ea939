import { z } from 'zod';
import { quantitySchema, uuidSchema } from './schemas';

/** cartAddBodySchema is POST /v1/cart/items. */
export const cartAddBodySchema = z
  .object({ productId: uuidSchema, quantity: quantitySchema })
  .strict();

/** cartSetBodySchema is PUT /v1/cart/items/:productId; 0 removes the item. */
export const cartSetBodySchema = z
  .object({ quantity: z.number().int().min(0).max(10_000) })
  .strict();

/** CartView is a customer's cart. */
export interface CartView {
  items: { productId: string; quantity: number }[];
}

/** productIdParamSchema is the `:productId` path parameter of cart routes. */
export const productIdParamSchema = z.object({ productId: uuidSchema });
