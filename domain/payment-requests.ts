import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { DomainError } from './errors';

/*
 * The payment-request contract (SPEC.md §7), shared by the API, the activities and the
 * approval workflow: statuses, the decision record, the API shape, the workflow's input and
 * its Updates. Safe for workflow code: no I/O, no zod (domain/payment-requests-schemas.ts).
 */

/**
 * PaymentRequestStatus is a request's lifecycle state: `pending_approval`, then `rejected`,
 * `expired` (no decision within APPROVAL_TTL), or `approved` while its payout runs and then
 * `paid` or `payout_failed`.
 */
export type PaymentRequestStatus =
  'pending_approval' | 'approved' | 'rejected' | 'paid' | 'payout_failed' | 'expired';

/** PAYMENT_REQUEST_STATUSES lists every PaymentRequestStatus. */
export const PAYMENT_REQUEST_STATUSES = [
  'pending_approval',
  'approved',
  'rejected',
  'paid',
  'payout_failed',
  'expired',
] as const;

/** TERMINAL_PAYMENT_REQUEST_STATUSES end the approval workflow. */
export const TERMINAL_PAYMENT_REQUEST_STATUSES: readonly PaymentRequestStatus[] = [
  'rejected',
  'paid',
  'payout_failed',
  'expired',
];

/** Decision is what an approver decided. */
export type Decision = 'approved' | 'rejected';

/** ApprovalView is the one decision of a request: who decided what, when (ISO-8601). */
export interface ApprovalView {
  decision: Decision;
  approverId: string;
  note: string | null;
  decidedAt: string;
}

/** PayoutView is the payout of an approved request: its transfer, or why it failed. */
export interface PayoutView {
  transferId: string | null;
  status: 'paid' | 'failed';
  failure: { code: string; detail: string } | null;
}

/** PaymentRequestView is the API shape of a payment request (SPEC.md §7). */
export interface PaymentRequestView {
  id: string;
  requesterId: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: number;
  currency: string;
  reason: string;
  status: PaymentRequestStatus;
  workflowId: string;
  approval: ApprovalView | null;
  payout: PayoutView | null;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  paidAt: string | null;
  payoutFailedAt: string | null;
  rejectedAt: string | null;
  expiredAt: string | null;
}

/** PaymentRequestWorkflowInput starts `payment-request-<id>-approval`. */
export interface PaymentRequestWorkflowInput {
  paymentRequestId: string;
  requesterId: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: number;
  reason: string;
  /** approvalTtlMs is how long the request waits for a decision (APPROVAL_TTL). */
  approvalTtlMs: number;
}

/** DecideInput is one approver's decision, with an optional note (the reason of a rejection). */
export interface DecideInput {
  decision: Decision;
  approverId: string;
  note?: string;
}

/** createPaymentRequestUpdate records the request and returns it; sent by Update-with-Start. */
export const createPaymentRequestUpdate = defineUpdate<PaymentRequestView>('create');
/**
 * decidePaymentRequestUpdate records the first decision and, for an approval, runs the payout;
 * it answers with the request as the decision left it (paid or payout_failed).
 */
export const decidePaymentRequestUpdate = defineUpdate<PaymentRequestView, [DecideInput]>('decide');
/** paymentRequestStatusQuery returns the workflow's view of the status. */
export const paymentRequestStatusQuery = defineQuery<PaymentRequestStatus | undefined>('status');

/**
 * assertMayDecide applies the "one decision" rule to a request's stored decision: no decision
 * yet → go on (false); the same approver repeating the same decision → the stored record
 * stands (true, answer 200 with it); anything else → refused.
 * @throws DomainError `already_decided` (409) carrying the decision, or `self_approval` (403)
 *   when the requester decides their own request.
 */
export function assertMayDecide(
  request: { requesterId: string; approval: ApprovalView | null; status: PaymentRequestStatus },
  input: DecideInput,
): boolean {
  if (request.approval) {
    const same =
      request.approval.approverId === input.approverId &&
      request.approval.decision === input.decision;
    if (same) return true;
    throw new DomainError('already_decided', 'This payment request has been decided already', {
      approval: request.approval,
    });
  }
  if (request.status !== 'pending_approval') {
    throw new DomainError('invalid_transition', `A ${request.status} request cannot be decided`, {
      paymentRequestStatus: request.status,
    });
  }
  if (request.requesterId === input.approverId) {
    throw new DomainError('self_approval', 'Nobody may decide their own payment request');
  }
  return false;
}
