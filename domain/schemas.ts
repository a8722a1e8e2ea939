import { z } from 'zod';

/**
 * Shared zod schemas for request validation (SPEC.md §1). Every body, path parameter and query
 * string is parsed by one of these before anything is written.
 */

/** uuidSchema accepts any RFC 4122 UUID string. */
export const uuidSchema = z.uuid();

/** QUANTITY_MAX bounds one line or cart quantity, so a typo cannot reserve the warehouse. */
export const QUANTITY_MAX = 10_000;

/** quantitySchema is a whole number of units, 1…QUANTITY_MAX. */
export const quantitySchema = z.number().int().min(1).max(QUANTITY_MAX);

/** AMOUNT_MINOR_MAX bounds one money amount: 10^15 minor units fits a BIGINT with room to add. */
export const AMOUNT_MINOR_MAX = 1_000_000_000_000_000;

/** amountMinorSchema is a positive whole number of minor units (never a float, SPEC.md §1). */
export const amountMinorSchema = z.number().int().min(1).max(AMOUNT_MINOR_MAX);

/** currencySchema is an ISO-4217 alphabetic code, upper case. */
export const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code like EUR');

/** LIST_LIMIT_MAX is the largest page any list endpoint returns (SPEC.md §1). */
export const LIST_LIMIT_MAX = 200;

/** pageQuerySchema is `?limit=&cursor=` of every list endpoint: limit 1…200, default 50. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT_MAX).default(50),
  cursor: z.string().max(512).optional(),
});

/** idParamSchema is the `:id` path parameter of a resource. */
export const idParamSchema = z.object({ id: uuidSchema });

/** idempotencyKeySchema is 1–255 printable ASCII characters (SPEC.md §1). */
export const idempotencyKeySchema = z.string().regex(/^[\x20-\x7e]{1,255}$/);
