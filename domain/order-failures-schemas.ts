import { z } from 'zod';
import { ANALYTICS_DAYS_MAX } from './order-failures';
import { pageQuerySchema, uuidSchema } from './schemas';

/*
 * Query schemas of the staff audit API (SPEC.md §8), apart from the contract so workflow code
 * never loads zod. Bad queries are 422 `validation_failed` (SPEC.md §1).
 */

/** listOrderFailuresQuerySchema pages GET /v1/admin/order-failures, optionally by customer. */
export const listOrderFailuresQuerySchema = pageQuerySchema.extend({
  customerId: uuidSchema.optional(),
});

/**
 * orderFailureAnalyticsQuerySchema is `?days=&customerId=` of GET
 * /v1/admin/order-failures/analytics: days a whole number 1–365 (default 7, SPEC.md §8).
 */
export const orderFailureAnalyticsQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(ANALYTICS_DAYS_MAX).default(7),
  customerId: uuidSchema.optional(),
});
