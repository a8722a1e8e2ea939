import { DomainError } from '../domain/errors';
import {
  assertMayDecide,
  type DecideInput,
  type PaymentRequestView,
} from '../domain/payment-requests';
import { ledgerTransferIds } from '../domain/workflow-ids';
import type { Db } from '../db/connection';
import { lockAccounts, postTransferInTx } from '../db/ledger-postings';
import {
  findPaymentRequest,
  changedPaymentRequest,
  insertPaymentRequest,
  lockPaymentRequest,
  markPaymentRequestExpired,
  markPaymentRequestPaid,
  markPayoutFailed,
  recordDecision,
} from '../db/payment-requests';
import { withTransaction } from '../db/transaction';

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
    await insertPaymentRequest(db, transaction, {
      ...input,
      fromAccountId: from.id,
      toAccountId: to.id,
      currency: from.currency,
    });
    return changedPaymentRequest(db, transaction, input.paymentRequestId, 'created');
  });
}

/**
 * decidePaymentRequest records the first decision as the request's one approval row (its
 * primary key is the request) and moves the request to `approved` or `rejected`. The same
 * approver repeating the same decision gets the stored request back.
 * @throws DomainError, see api/payment-requests/service.ts decidePaymentRequest.
 */
export async function decidePaymentRequest(
  db: Db,
  input: DecideInput & { paymentRequestId: string },
): Promise<PaymentRequestView> {
  return withTransaction(db, 'decide_payment_request', async (transaction) => {
    const request = await lockPaymentRequest(db, transaction, input.paymentRequestId);
    if (assertMayDecide(request, input)) return request;
    await recordDecision(db, transaction, {
      paymentRequestId: request.id,
      decision: input.decision,
      approverId: input.approverId,
      note: input.note,
    });
    return changedPaymentRequest(db, transaction, request.id, input.decision);
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
      await markPaymentRequestPaid(db, transaction, {
        paymentRequestId: id,
        transferId: transfer.id,
      });
      return changedPaymentRequest(db, transaction, id, 'paid');
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
    await markPayoutFailed(db, transaction, {
      paymentRequestId: id,
      code: refusal.code,
      detail: refusal.message,
    });
    return changedPaymentRequest(db, transaction, id, 'payout_failed');
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
    await markPaymentRequestExpired(db, transaction, request.id);
    return changedPaymentRequest(db, transaction, request.id, 'expired');
  });
}
