import { z } from 'zod';
import { currencySchema, pageQuerySchema, uuidSchema, withoutNul } from './schemas';

/** SellerKind is what a seller offers (SPEC.md §2). */
export type SellerKind = 'merchant' | 'bus_operator' | 'property_owner';
/** ApprovalStatus gates visibility: only `approved` sellers' offers are visible to customers. */
export type ApprovalStatus = 'pending' | 'approved' | 'suspended';

/** SellerView is the API shape of a seller. */
export interface SellerView {
  id: string;
  name: string;
  kind: SellerKind;
  approvalStatus: ApprovalStatus;
  approvedAt: string | null;
  suspendedAt: string | null;
  createdAt: string;
}

/** ProductSummary is one search hit: what a customer sees in a list (SPEC.md §2). */
export interface ProductSummary {
  id: string;
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  available: number;
  category: string | null;
}

/** ProductView is one product with its stock: available = stockOnHand − reserved. */
export interface ProductView extends ProductSummary {
  sellerId: string;
  stockOnHand: number;
  reserved: number;
  createdAt: string;
}

/** StockView is the stock of one product after a change. */
export interface StockView {
  stockOnHand: number;
  reserved: number;
  available: number;
}

/** createSellerBodySchema is POST /v1/sellers. */
export const createSellerBodySchema = z
  .object({
    name: withoutNul(z.string().trim().min(1).max(200)),
    kind: z.enum(['merchant', 'bus_operator', 'property_owner']),
  })
  .strict();

/** STOCK_MAX bounds stock on hand of one product (INTEGER column with room to restock). */
export const STOCK_MAX = 1_000_000_000;

/** createProductBodySchema is POST /v1/products. */
export const createProductBodySchema = z
  .object({
    sellerId: uuidSchema,
    sku: withoutNul(z.string().trim().min(1).max(100)),
    name: withoutNul(z.string().trim().min(1).max(200)),
    priceMinor: z.number().int().min(0).max(1_000_000_000_000),
    currency: currencySchema,
    stock: z.number().int().min(0).max(STOCK_MAX),
    category: withoutNul(z.string().trim().min(1).max(100)).optional(),
  })
  .strict();

/** restockBodySchema is POST /v1/products/:id/restock. */
export const restockBodySchema = z
  .object({ quantity: z.number().int().min(1).max(STOCK_MAX) })
  .strict();

/**
 * productCursorSchema is the position GET /v1/products pages from: the last product's name
 * (never with a NUL, which PostgreSQL text cannot hold) and its id.
 */
export const productCursorSchema = z.object({
  name: z
    .string()
    .max(200)
    .refine((name) => !name.includes('\u0000'), 'must not contain NUL'),
  id: uuidSchema,
});

/** productSearchQuerySchema is GET /v1/products?q=&category=&limit=&cursor=. */
export const productSearchQuerySchema = z.object({
  q: withoutNul(z.string().trim().max(200)).optional(),
  category: withoutNul(z.string().trim().max(100)).optional(),
  limit: pageQuerySchema.shape.limit,
  cursor: pageQuerySchema.shape.cursor,
});
