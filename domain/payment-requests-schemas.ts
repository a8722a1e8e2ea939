import { z } from 'zod';
import { PAYMENT_REQUEST_STATUSES } from './payment-requests';
import { amountMinorSchema, pageQuerySchema, uuidSchema, withoutNul } from './schemas';

/*
 * Request schemas of the payment-request API (SPEC.md §7), apart from the contract so workflow
 * code never loads zod. The amount's upper bound (PAYMENT_REQUEST_MAX_MINOR) is configuration
 * and is checked by the service.
 */

/** REASON_CHARS_MAX bounds a request's reason and a decision's note (1–500 characters). */
export const REASON_CHARS_MAX = 500;

const reasonSchema = withoutNul(z.string().trim().min(1).max(REASON_CHARS_MAX));

/** createPaymentRequestBodySchema is the body of POST /v1/payment-requests. */
export const createPaymentRequestBodySchema = z
  .object({
    fromAccountId: uuidSchema,
    toAccountId: uuidSchema,
    amountMinor: amountMinorSchema,
    reason: reasonSchema,
  })
  .strict()
  .refine((body) => body.fromAccountId !== body.toAccountId, {
    message: 'the two accounts must differ',
    path: ['toAccountId'],
  });

/** CreatePaymentRequestBody is a validated POST /v1/payment-requests body. */
export type CreatePaymentRequestBody = z.infer<typeof createPaymentRequestBodySchema>;

/** approveBodySchema is the body of POST /v1/payment-requests/:id/approve (optional note). */
export const approveBodySchema = z.object({ note: reasonSchema.optional() }).strict();

/** rejectBodySchema is the body of POST /v1/payment-requests/:id/reject (a reason). */
export const rejectBodySchema = z.object({ reason: reasonSchema }).strict();

/** listPaymentRequestsQuerySchema pages GET /v1/payment-requests (staff), by status. */
export const listPaymentRequestsQuerySchema = pageQuerySchema.extend({
  status: z.enum(PAYMENT_REQUEST_STATUSES).optional(),
});
