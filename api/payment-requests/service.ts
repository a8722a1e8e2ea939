import { findAccount } from '../../db/ledger';
import { findPaymentRequest } from '../../db/payment-requests';
import { DomainError, domainErrorFromFailure, invalidField } from '../../domain/errors';
import {
  assertMayDecide,
  createPaymentRequestUpdate,
  decidePaymentRequestUpdate,
  type DecideInput,
  type PaymentRequestView,
} from '../../domain/payment-requests';
import type { CreatePaymentRequestBody } from '../../domain/payment-requests-schemas';
import { CustomerIdKey } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { paymentRequestWorkflow } from '../../workflows/payment-requests';
import type { AuthUser } from '../middleware/auth';
import type { ApiDeps } from '../router';
import { startWithUpdate } from '../temporal-kit';

/*
 * The payment-request service (SPEC.md §7): creation is an Update-with-Start on
 * `payment-request-<id>-approval` after every check; approve and reject are `decide` Updates.
 */

/** INVALID_REQUEST is the summary of this service's 422 `validation_failed` refusals. */
const INVALID_REQUEST = 'The payment request is not valid';

/**
 * createPaymentRequest checks everything before any write (source is the caller's unless staff,
 * both accounts exist in one currency, amount ≤ PAYMENT_REQUEST_MAX_MINOR), then `create` Update.
 * @throws DomainError `not_found` (404: a missing source, or not the caller's for non-staff;
 *   checked first so nothing leaks about others' accounts, SPEC.md §1), `validation_failed` (422:
 *   unknown account for staff, amount over the maximum), `currency_mismatch` (422).
 */
export async function createPaymentRequest(
  deps: ApiDeps,
  input: { user: AuthUser; body: CreatePaymentRequestBody; paymentRequestId: string },
): Promise<PaymentRequestView> {
  const { user, body, paymentRequestId } = input;
  if (body.amountMinor > deps.config.paymentRequestMaxMinor) {
    throw invalidField(
      'amountMinor',
      `at most ${deps.config.paymentRequestMaxMinor} minor units`,
      INVALID_REQUEST,
    );
  }
  const [from, to] = await Promise.all([
    findAccount(deps.db, body.fromAccountId),
    findAccount(deps.db, body.toAccountId),
  ]);
  if (user.role !== 'staff' && from?.ownerId !== user.sub)
    throw new DomainError('not_found', 'No such account');
  if (!from)
    throw invalidField('fromAccountId', `unknown account ${body.fromAccountId}`, INVALID_REQUEST);
  if (!to)
    throw invalidField('toAccountId', `unknown account ${body.toAccountId}`, INVALID_REQUEST);
  if (from.currency !== to.currency) {
    throw new DomainError('currency_mismatch', 'Both accounts must hold the same currency', {
      currencies: [from.currency, to.currency],
    });
  }
  const workflowId = workflowIds.paymentRequestApproval(paymentRequestId);
  return startWithUpdate(deps.temporal, {
    workflow: paymentRequestWorkflow,
    workflowId,
    taskQueue: deps.config.taskQueue,
    args: [
      {
        paymentRequestId,
        requesterId: user.sub,
        fromAccountId: body.fromAccountId,
        toAccountId: body.toAccountId,
        amountMinor: body.amountMinor,
        reason: body.reason,
        approvalTtlMs: deps.config.approvalTtlMs,
      },
    ],
    update: createPaymentRequestUpdate,
    updateArgs: [],
    reusePolicy: 'REJECT_DUPLICATE',
    searchAttributes: [{ key: CustomerIdKey, value: user.sub }],
    readStored: () => findPaymentRequest(deps.db, paymentRequestId),
  });
}

/**
 * visiblePaymentRequest reads a request its requester or staff may see.
 * @throws DomainError `not_found` (404) for anyone else, as for a missing request.
 */
export async function visiblePaymentRequest(
  deps: ApiDeps,
  user: AuthUser,
  id: string,
): Promise<PaymentRequestView> {
  const request = await findPaymentRequest(deps.db, id);
  if (!request || (user.role !== 'staff' && request.requesterId !== user.sub))
    throw new DomainError('not_found', 'No such payment request');
  return request;
}

/**
 * decidePaymentRequest sends one staff decision as the `decide` Update. The first decision wins;
 * the same approver repeating it gets the stored request (200), also after the run has closed.
 * @throws DomainError `not_found` (404), `self_approval` (403), `already_decided` (409, with the
 *   decision) for any other decision, `invalid_transition` (409) for an expired request.
 */
export async function decidePaymentRequest(
  deps: ApiDeps,
  input: { user: AuthUser; id: string; decision: DecideInput },
): Promise<PaymentRequestView> {
  const request = await visiblePaymentRequest(deps, input.user, input.id);
  if (assertMayDecide(request, input.decision)) return request;
  const handle = deps.temporal.workflow.getHandle(request.workflowId);
  try {
    return await handle.executeUpdate(decidePaymentRequestUpdate, { args: [input.decision] });
  } catch (err) {
    const refusal = domainErrorFromFailure(err);
    if (refusal) throw refusal;
    const stored = await findPaymentRequest(deps.db, input.id);
    if (stored && assertMayDecide(stored, input.decision)) return stored;
    throw err;
  }
}
