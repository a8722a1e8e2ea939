import { z } from 'zod';
import { amountMinorSchema, currencySchema, uuidSchema } from './schemas';

/**
 * TransferWorkflowInput starts `transfer-<transferId>`: one posted movement of money. A
 * `deposit` has no `fromAccountId`: it comes from the `external` account of the target's
 * currency (the world outside, SPEC.md §5).
 */
export interface TransferWorkflowInput {
  transferId: string;
  kind: 'deposit' | 'transfer';
  fromAccountId?: string;
  toAccountId: string;
  amountMinor: number;
  description?: string;
  initiatedBy: string;
}

/** createAccountBodySchema is POST /v1/accounts (staff). */
export const createAccountBodySchema = z
  .object({ ownerId: uuidSchema, kind: z.enum(['wallet', 'retainer', 'bank']), currency: currencySchema })
  .strict();

/** depositBodySchema is POST /v1/accounts/:id/deposits (staff). */
export const depositBodySchema = z
  .object({ amountMinor: amountMinorSchema, description: z.string().max(500).optional() })
  .strict();
