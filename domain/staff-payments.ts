import { defineUpdate } from '@temporalio/workflow';

/*
 * Staff payments (SPEC.md §5 `POST /v1/payments`): a payment staff create `pending` and
 * complete exactly once through `payment-<id>`. Not to be confused with an order payment
 * (`order-<id>-payment`, domain/orders.ts) or a payment-request payout (SPEC.md §7).
 * Safe to import from workflow code.
 */

/** StaffPaymentStatus: a staff payment is `pending` until completed once (SPEC.md §5). */
export type StaffPaymentStatus = 'pending' | 'completed';

/** StaffPaymentView is the API shape of a staff payment. */
export interface StaffPaymentView {
  id: string;
  payerAccountId: string;
  payeeAccountId: string;
  amountMinor: number;
  currency: string;
  status: StaffPaymentStatus;
  transferId: string | null;
  workflowId: string;
  createdAt: string;
  completedAt: string | null;
}

/** StaffPaymentWorkflowInput starts `payment-<paymentId>` (the SPEC.md §1 workflow ID of a staff payment). */
export interface StaffPaymentWorkflowInput {
  paymentId: string;
}

/** completeStaffPaymentUpdate completes a staff payment: exactly one caller gets it, others `already_completed`. */
export const completeStaffPaymentUpdate = defineUpdate<StaffPaymentView, [{ actorId: string }]>(
  'complete',
);
