import { z } from 'zod';
import { amountMinorSchema, uuidSchema } from './schemas';

/*
 * Request schemas of staff payments (SPEC.md §5), kept apart from domain/staff-payments.ts so
 * workflow code never loads zod (see domain/orders-schemas.ts).
 */

/** createStaffPaymentBodySchema is POST /v1/payments (staff). */
export const createStaffPaymentBodySchema = z
  .object({
    payerAccountId: uuidSchema,
    payeeAccountId: uuidSchema,
    amountMinor: amountMinorSchema,
  })
  .strict()
  .refine((b) => b.payerAccountId !== b.payeeAccountId, {
    message: 'payer and payee must differ',
    path: ['payeeAccountId'],
  });
