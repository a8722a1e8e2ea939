import { z } from 'zod';
import { quantitySchema, uuidSchema } from './schemas';

/*
 * Request schemas of the order API (SPEC.md §4), kept apart from domain/orders.ts so workflow
 * code never loads zod: the worker instantiates a workflow's modules for every new run, and
 * building these schemas cost more CPU per order than the rest of the workflow.
 */

/** orderLineSchema is one requested order line. */
export const orderLineSchema = z
  .object({ productId: uuidSchema, quantity: quantitySchema })
  .strict();

/**
 * payOrderBodySchema is the body of POST /v1/orders/:id/pay (and `pay` at placement): the wallet
 * to debit for a wallet order; nothing for an allowance order, paid from the allowance.
 */
export const payOrderBodySchema = z.object({ accountId: uuidSchema.optional() }).strict();

/** ORDER_LINES_MAX bounds the lines of one order. */
export const ORDER_LINES_MAX = 100;

/**
 * placeOrderBodySchema is the body of POST /v1/orders: explicit `lines` or `fromCart: true`,
 * a `paymentMethod`, and optionally `pay` to pay at once.
 */
export const placeOrderBodySchema = z
  .object({
    lines: z.array(orderLineSchema).min(1).max(ORDER_LINES_MAX).optional(),
    fromCart: z.literal(true).optional(),
    paymentMethod: z.enum(['wallet', 'allowance']).default('wallet'),
    pay: payOrderBodySchema.optional(),
  })
  .strict()
  .refine((body) => (body.lines === undefined) !== (body.fromCart === undefined), {
    message: 'give exactly one of lines or fromCart',
    path: ['lines'],
  });

/** PlaceOrderBody is a validated POST /v1/orders body. */
export type PlaceOrderBody = z.infer<typeof placeOrderBodySchema>;
