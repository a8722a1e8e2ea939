import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  assertMayDecide,
  createPaymentRequestUpdate,
  decidePaymentRequestUpdate,
  paymentRequestStatusQuery,
  TERMINAL_PAYMENT_REQUEST_STATUSES,
  type PaymentRequestStatus,
  type PaymentRequestView,
  type PaymentRequestWorkflowInput,
} from '../domain/payment-requests';
import { AmountMinorKey, PaymentRequestStatusKey } from '../domain/search-attributes';
import { workflowIds } from '../domain/workflow-ids';
import { DB_ACTIVITY_OPTIONS, DB_LOCAL_ACTIVITY_OPTIONS, Entity, statusHooks } from './kit';

const acts = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);
const localActs = proxyLocalActivities<Activities>(DB_LOCAL_ACTIVITY_OPTIONS);

/**
 * APPROVAL_EXPIRY_AT_EXPIRES_AT is the `patched()` under which an undecided request expires at the
 * stored `expiresAt` the API shows rather than APPROVAL_TTL after the run started. It is kept as
 * the pattern for changing code under running workflows (docs/operating.md): `npm test` replays
 * both branches (payment-request-expired.json, payment-request-expired-at-expires-at.json).
 */
export const APPROVAL_EXPIRY_AT_EXPIRES_AT = 'approval-expiry-at-expires-at';

/**
 * approvalExpiryMs is how long the approval timer waits: until the stored `expiresAt` on the
 * patched path (at least 1 ms), `approvalTtlMs` on the original one.
 */
function approvalExpiryMs(input: PaymentRequestWorkflowInput, created: PaymentRequestView): number {
  if (!patched(APPROVAL_EXPIRY_AT_EXPIRES_AT)) return input.approvalTtlMs;
  return Math.max(1, Date.parse(created.expiresAt) - Date.now());
}

/** PaymentRequestWorkflowResult is how an approval workflow ended: the request's final status. */
export interface PaymentRequestWorkflowResult {
  status: PaymentRequestStatus;
}

/**
 * paymentRequestWorkflow (`payment-request-<id>-approval`) decides one payment request once
 * (SPEC.md §7). `create` (Update-with-Start) records it; `decide` Updates run one at a time, so the
 * first wins, its approver's repeat gets the stored request and others get `already_decided`.
 * Approval runs the payout once → `paid`, or `payout_failed` with the ledger's reason (no retry);
 * no decision within `approvalTtlMs` expires it. Search attributes stay current for the Web UI.
 */
export async function paymentRequestWorkflow(
  input: PaymentRequestWorkflowInput,
): Promise<PaymentRequestWorkflowResult> {
  const paymentRequestId = input.paymentRequestId;
  const request = new Entity(
    () =>
      localActs.createPaymentRequest({
        ...input,
        workflowId: workflowIds.paymentRequestApproval(paymentRequestId),
      }),
    statusHooks(PaymentRequestStatusKey, {
      atPlacement: (created) => [{ key: AmountMinorKey, value: created.amountMinor }],
    }),
  );
  setHandler(createPaymentRequestUpdate, () => request.placed());
  setHandler(decidePaymentRequestUpdate, (decision) =>
    request.write(async (current) => {
      if (assertMayDecide(current, decision)) return current;
      const decided = await acts.decidePaymentRequest({ paymentRequestId, ...decision });
      if (decided.status !== 'approved') return decided;
      return acts.payOutPaymentRequest({ paymentRequestId });
    }),
  );
  setHandler(paymentRequestStatusQuery, () => request.placedValue?.status);
  await request.settle();
  if (request.refusal) {
    await condition(allHandlersFinished);
    throw request.refusal;
  }
  await request.changeWhenDue(
    approvalExpiryMs(input, request.current),
    (current) => current.status === 'pending_approval',
    () => acts.expirePaymentRequest({ paymentRequestId }),
  );
  await condition(() => TERMINAL_PAYMENT_REQUEST_STATUSES.includes(request.current.status));
  await condition(allHandlersFinished);
  return { status: request.current.status };
}
