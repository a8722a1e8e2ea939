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

/**
 * LIST_LIMIT_MAX_DEFAULT is the largest page a list endpoint returns unless LIST_LIMIT_MAX says
 * otherwise (SPEC.md §1: max 200).
 */
export const LIST_LIMIT_MAX_DEFAULT = 200;

/**
 * LIST_LIMIT_MAX_MAX is the most LIST_LIMIT_MAX may be set to (config.ts): the bound the schema
 * itself keeps, so no configuration lets one request read an unbounded page.
 */
export const LIST_LIMIT_MAX_MAX = 1000;

/** LIST_LIMIT_DEFAULT is the page size when a request names no `limit` (SPEC.md §1: 50). */
export const LIST_LIMIT_DEFAULT = 50;

/**
 * pageQuerySchema is `?limit=&cursor=` of every list endpoint: limit 1…LIST_LIMIT_MAX_MAX,
 * default 50. The configured LIST_LIMIT_MAX (default 200) is checked per app by the API
 * (api/middleware/list-limit.ts), since these schemas are built once for every app.
 */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIST_LIMIT_MAX_MAX)
    .default(LIST_LIMIT_DEFAULT)
    .describe(`page size, at most LIST_LIMIT_MAX (default ${LIST_LIMIT_MAX_DEFAULT})`),
  cursor: z.string().max(512).optional(),
});

/** CURSOR_INSTANT_MAX_MS is 9999-12-31T23:59:59.999Z, the last instant a 4-digit ISO year writes. */
const CURSOR_INSTANT_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * createdAtCursorSchema is the position of a newest-first list (orders, bookings, payment
 * requests, order failures): the last item's `createdAt` as the API writes it (ISO-8601 UTC,
 * 1970–9999, which PostgreSQL's timestamptz takes) and its uuid `id`.
 */
export const createdAtCursorSchema = z.object({
  createdAt: z.iso.datetime().refine((value) => {
    const ms = Date.parse(value);
    return ms >= 0 && ms <= CURSOR_INSTANT_MAX_MS;
  }, 'must be between 1970 and 9999 (UTC)'),
  id: uuidSchema,
});

/** idCursorSchema is the position of a list ordered by uuid `id` (accounts). */
export const idCursorSchema = z.object({ id: uuidSchema });

/** idParamSchema is the `:id` path parameter of a resource. */
export const idParamSchema = z.object({ id: uuidSchema });

/** idempotencyKeySchema is 1–255 printable ASCII characters (SPEC.md §1). */
export const idempotencyKeySchema = z.string().regex(/^[\x20-\x7e]{1,255}$/);

/**
 * NO_CONTROL_CHARACTERS matches text without control characters (Unicode category Cc:
 * U+0000–U+001F and U+007F–U+009F). It is written as a range without the `u` flag so that
 * /openapi.json states it as a valid JSON Schema pattern (`\p{Cc}` with `/u` leaked the flag
 * into the pattern).
 */
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/**
 * TRIMMED_WITHOUT_CONTROL_CHARACTERS matches non-empty text without control characters that
 * neither starts nor ends with white space (written as NO_CONTROL_CHARACTERS is).
 */
export const TRIMMED_WITHOUT_CONTROL_CHARACTERS =
  /^[^\s\u0000-\u001f\u007f-\u009f](?:[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f])?$/;

/**
 * NO_NUL matches text without U+0000, the one character PostgreSQL refuses in `text` (22021)
 * and, escaped, in `jsonb` (22P05). Written without the `u` flag so /openapi.json states it
 * as a JSON Schema pattern (see NO_CONTROL_CHARACTERS).
 */
export const NO_NUL = /^[^\u0000]*$/;

/**
 * withoutNul adds the NUL rule of SPEC.md §1 to a free-text schema (names, SKUs, categories,
 * descriptions, reasons, search text): such text is answered 422 `validation_failed` naming
 * its field, never a 500 from the database. Labels that refuse every control character
 * (NO_CONTROL_CHARACTERS) need no more.
 */
export function withoutNul(schema: z.ZodString): z.ZodString {
  return schema.regex(NO_NUL, 'must not contain NUL (U+0000)');
}
