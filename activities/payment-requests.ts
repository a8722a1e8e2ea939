import { DomainError } from '../domain/errors';
import {
  assertMayDecide,
  type DecideInput,
  type PaymentRequestView,
} from '../domain/payment-requests';
import { ledgerTransferIds } from '../domain/workflow-ids';
import type { Db } from '../db/connection';
import { lockAccounts, postTransferInTx } from '../db/ledger-postings';
import { findPaymentRequest, lockPaymentRequest } from '../db/payment-requests';
import { execute, withTransaction } from '../db/transaction';

/*
 * The payment-request activities (SPEC.md §7): each is one transaction, locking the request
 * row first (then the accounts, ascending), and idempotent under activity retries.
 */

/** CreatePaymentRequestActivityInput is a validated request and how long it may wait. */
export interface CreatePaymentRequestActivityInput {
  paymentRequestId: string;
  requesterId: string;
  workflowId: string;
  fromAccountId: string;
  toAccountId: string;
  amountMinor: number;
  reason: string;
  approvalTtlMs: number;
}

/**
 * createPaymentRequest records a `pending_approval` request in the source account's currency,
 * expiring after `approvalTtlMs`; a request already recorded under this ID is returned as is.
 * @throws DomainError `not_found` (404) for a missing account, `currency_mismatch` (422).
 */
export async function createPaymentRequest(
  db: Db,
  input: CreatePaymentRequestActivityInput,
): Promise<PaymentRequestView> {
  return withTransaction(db, 'create_payment_request', async (transaction) => {
    const existing = await findPaymentRequest(db, input.paymentRequestId, transaction);
    if (existing) return existing;
    const ids = [input.fromAccountId, input.toAccountId];
    const accounts = await lockAccounts(db, transaction, ids);
    const [from, to] = ids.map((id) => accounts.get(id));
    if (!from || !to) throw new DomainError('not_found', 'No such account');
    if (from.currency !== to.currency) {
      throw new DomainError('currency_mismatch', 'Both accounts must hold the same currency', {
        currencies: [from.currency, to.currency],
      });
    }
    await execute(
      db,
      `INSERT INTO payment_requests (id, requester_id, from_account_id, to_account_id, amount_minor,
         currency, reason, status, workflow_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending_approval', $8,
         now() + ($9 || ' milliseconds')::interval)`,
      [
        input.paymentRequestId,
        input.requesterId,
        from.id,
        to.id,
        input.amountMinor,
        from.currency,
        input.reason,
        input.workflowId,
        String(input.approvalTtlMs),
      ],
      transaction,
    );
    return (await findPaymentRequest(db, input.paymentRequestId, transaction))!;
  });
}

/**
 * decidePaymentRequest records the first decision as the request's one approval row (its
 * primary key is the request) and moves the request to `approved` or `rejected`. The same
 * approver repeating the same decision gets the stored request back.
 * @throws DomainError `already_decided` (409, with the decision), `self_approval` (403),
 *   `invalid_transition` (409) for an expired request.
 */
export async function decidePaymentRequest(
  db: Db,
  input: DecideInput & { paymentRequestId: string },
): Promise<PaymentRequestView> {
  return withTransaction(db, 'decide_payment_request', async (transaction) => {
    const request = await lockPaymentRequest(db, transaction, input.paymentRequestId);
    if (assertMayDecide(request, input)) return request;
    const rejected = input.decision === 'rejected';
    await execute(
      db,
      `WITH a AS (INSERT INTO payment_request_approvals (payment_request_id, decision, approver_id, note)
                  VALUES ($1, $2, $3, $4) RETURNING decided_at)
       UPDATE payment_requests SET status = $2, decided_at = (SELECT decided_at FROM a),
         rejected_at = CASE WHEN $5 THEN (SELECT decided_at FROM a) END, updated_at = now()
       WHERE id = $1`,
      [request.id, input.decision, input.approverId, input.note ?? null, rejected],
      transaction,
    );
    return (await findPaymentRequest(db, request.id, transaction))!;
  });
}

/**
 * payOutPaymentRequest posts the payout of an approved request once: the ledger transfer
 * `payment-request-<id>-payout` from the source to the destination account → `paid`. A
 * refusal (insufficient funds …) is not retried: it is recorded as `payout_failed` with the
 * ledger's code and detail, and no transfer exists. A paid or failed request is returned as is.
 * @throws DomainError `invalid_transition` (409) unless the request is approved.
 */
export async function payOutPaymentRequest(
  db: Db,
  input: { paymentRequestId: string },
): Promise<PaymentRequestView> {
  const id = input.paymentRequestId;
  try {
    return await withTransaction(db, 'pay_out_payment_request', async (transaction) => {
      const request = await lockPaymentRequest(db, transaction, id);
      if (request.status === 'paid' || request.status === 'payout_failed') return request;
      if (request.status !== 'approved') {
        throw new DomainError('invalid_transition', `A ${request.status} request is not paid out`);
      }
      const transfer = await postTransferInTx(db, transaction, {
        id: ledgerTransferIds.paymentRequestPayout(id),
        kind: 'payment_request_payout',
        fromAccountId: request.fromAccountId,
        toAccountId: request.toAccountId,
        amountMinor: request.amountMinor,
        description: `payout of payment request ${id}: ${request.reason}`,
        initiatedBy: request.approval?.approverId ?? null,
      });
      await execute(
        db,
        `UPDATE payment_requests SET status = 'paid', payout_transfer_id = $2, paid_at = now(),
           updated_at = now() WHERE id = $1`,
        [id, transfer.id],
        transaction,
      );
      return (await findPaymentRequest(db, id, transaction))!;
    });
  } catch (err) {
    if (!(err instanceof DomainError) || err.code === 'invalid_transition') throw err;
    return recordPayoutFailure(db, id, err);
  }
}

/** recordPayoutFailure marks an approved request `payout_failed` with the ledger's refusal. */
async function recordPayoutFailure(
  db: Db,
  id: string,
  refusal: DomainError,
): Promise<PaymentRequestView> {
  return withTransaction(db, 'fail_payment_request_payout', async (transaction) => {
    const request = await lockPaymentRequest(db, transaction, id);
    if (request.status !== 'approved') return request;
    await execute(
      db,
      `UPDATE payment_requests SET status = 'payout_failed', payout_failed_at = now(),
         payout_failure_code = $2, payout_failure_detail = $3, updated_at = now() WHERE id = $1`,
      [id, refusal.code, refusal.message],
      transaction,
    );
    return (await findPaymentRequest(db, id, transaction))!;
  });
}

/**
 * expirePaymentRequest is run by the approval timer: a request still `pending_approval`
 * becomes `expired`; any other is returned unchanged.
 */
export async function expirePaymentRequest(
  db: Db,
  input: { paymentRequestId: string },
): Promise<PaymentRequestView> {
  return withTransaction(db, 'expire_payment_request', async (transaction) => {
    const request = await lockPaymentRequest(db, transaction, input.paymentRequestId);
    if (request.status !== 'pending_approval') return request;
    await execute(
      db,
      `UPDATE payment_requests SET status = 'expired', expired_at = now(), updated_at = now()
       WHERE id = $1`,
      [request.id],
      transaction,
    );
    return (await findPaymentRequest(db, request.id, transaction))!;
  });
}
