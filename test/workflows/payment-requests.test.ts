import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { CreatePaymentRequestActivityInput } from '../../activities/payment-requests';
import { DomainError, domainErrorFromFailure } from '../../domain/errors';
import {
  assertMayDecide,
  createPaymentRequestUpdate,
  decidePaymentRequestUpdate,
  paymentRequestStatusQuery,
  type DecideInput,
  type PaymentRequestView,
} from '../../domain/payment-requests';
import { AmountMinorKey, PaymentRequestStatusKey } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { paymentRequestWorkflow } from '../../workflows/payment-requests';
import {
  ActivityLog,
  Gates,
  rejectionOf,
  searchAttributeOf,
  updateWithStart,
  useWorkflowWorker,
} from '../helpers/workflow-worker';

/*
 * paymentRequestWorkflow with mocked activities (SPEC.md §7): a Map stands in for the
 * payment_requests table, so each mock returns the request as the real activity would have
 * left it. Timers run on the real dev server, so expiry is tested with a 1.5 s APPROVAL_TTL.
 */

const AMOUNT_MINOR = 125_000;
const LONG_TTL_MS = 10 * 60_000;
const SHORT_TTL_MS = 1_500;

const log = new ActivityLog();
const gates = new Gates();
const requestsById = new Map<string, PaymentRequestView>();
/** failingPayouts holds the requests whose payout the ledger refuses (insufficient funds). */
const failingPayouts = new Set<string>();
/** storedExpiresAt overrides the expiresAt the create mock stores for a request ID. */
const storedExpiresAt = new Map<string, string>();

const env = useWorkflowWorker({
  taskQueuePrefix: 'wf-payment-requests',
  beforeStop: () => gates.openAll(),
  activities: log.record({
    async createPaymentRequest(input) {
      const expiresAt = storedExpiresAt.get(input.paymentRequestId);
      const stored = requestsById.get(input.paymentRequestId) ?? {
        ...pendingRequest(input),
        ...(expiresAt ? { expiresAt } : {}),
      };
      requestsById.set(input.paymentRequestId, stored);
      return stored;
    },
    async decidePaymentRequest(input) {
      await gates.pass('decidePaymentRequest', input.paymentRequestId);
      return decideStored(input.paymentRequestId, input);
    },
    async payOutPaymentRequest(input) {
      const id = input.paymentRequestId;
      if (failingPayouts.has(id)) {
        const failure = { code: 'insufficient_funds', detail: 'The source lacks the funds' };
        const payout = { transferId: null, status: 'failed' as const, failure };
        return moveRequest(id, { status: 'payout_failed', payout, payoutFailedAt: now() });
      }
      const payout = { transferId: `payment-request-${id}-payout`, status: 'paid' as const };
      return moveRequest(id, {
        status: 'paid',
        payout: { ...payout, failure: null },
        paidAt: now(),
      });
    },
    async expirePaymentRequest(input) {
      await gates.pass('expirePaymentRequest', input.paymentRequestId);
      const stored = storedRequest(input.paymentRequestId);
      if (stored.status !== 'pending_approval') return stored;
      return moveRequest(input.paymentRequestId, { status: 'expired', expiredAt: now() });
    },
  }),
});

/** now is the current instant as the ISO-8601 string a PaymentRequestView holds. */
function now(): string {
  return new Date().toISOString();
}

/** pendingRequest is the canned `pending_approval` request createPaymentRequest returns. */
function pendingRequest(input: CreatePaymentRequestActivityInput): PaymentRequestView {
  return {
    id: input.paymentRequestId,
    requesterId: input.requesterId,
    fromAccountId: input.fromAccountId,
    toAccountId: input.toAccountId,
    amountMinor: input.amountMinor,
    currency: 'EUR',
    reason: input.reason,
    status: 'pending_approval',
    workflowId: input.workflowId,
    approval: null,
    payout: null,
    createdAt: now(),
    expiresAt: new Date(Date.now() + input.approvalTtlMs).toISOString(),
    decidedAt: null,
    paidAt: null,
    payoutFailedAt: null,
    rejectedAt: null,
    expiredAt: null,
  };
}

/** storedRequest reads a request the mock created. @throws Error when it never was. */
function storedRequest(id: string): PaymentRequestView {
  const stored = requestsById.get(id);
  if (!stored) throw new Error(`mock: payment request ${id} was never created`);
  return stored;
}

/** moveRequest stores and returns the stored request with `change` applied. */
function moveRequest(id: string, change: Partial<PaymentRequestView>): PaymentRequestView {
  const moved = { ...storedRequest(id), ...change };
  requestsById.set(id, moved);
  return moved;
}

/**
 * decideStored applies the "one decision" rule as the real activity does (assertMayDecide on
 * the stored request, its refusal thrown as a Refusal) and stores the decision.
 */
function decideStored(id: string, input: DecideInput): PaymentRequestView {
  const stored = storedRequest(id);
  try {
    if (assertMayDecide(stored, input)) return stored;
  } catch (err) {
    throw err instanceof DomainError ? err.toFailure() : err;
  }
  const decidedAt = now();
  const approval = { ...input, note: input.note ?? null, decidedAt };
  const rejectedAt = input.decision === 'rejected' ? decidedAt : null;
  return moveRequest(id, { status: input.decision, approval, decidedAt, rejectedAt });
}

/** openRequest starts `payment-request-<id>-approval` with its `create` Update, as the API does. */
async function openRequest(approvalTtlMs = LONG_TTL_MS, paymentRequestId = randomUUID()) {
  const input = {
    paymentRequestId,
    requesterId: `requester-${paymentRequestId}`,
    fromAccountId: `from-${paymentRequestId}`,
    toAccountId: `to-${paymentRequestId}`,
    amountMinor: AMOUNT_MINOR,
    reason: 'conference travel',
    approvalTtlMs,
  };
  const workflowId = workflowIds.paymentRequestApproval(paymentRequestId);
  const created = await updateWithStart(env, {
    workflow: paymentRequestWorkflow,
    workflowId,
    args: [input],
    update: createPaymentRequestUpdate,
    updateArgs: [],
  });
  const handle = env.client.workflow.getHandle<typeof paymentRequestWorkflow>(workflowId);
  return { id: paymentRequestId, input, created, handle };
}

/** approve is an approval by `approverId` with a note. */
function approve(approverId: string): DecideInput {
  return { decision: 'approved', approverId, note: 'within budget' };
}

describe('paymentRequestWorkflow: creation', () => {
  it('when a request is created by Update-with-Start, then the Update answers pending_approval and the search attributes follow', async () => {
    const { id, input, created, handle } = await openRequest();

    expect(created).toMatchObject({
      id,
      status: 'pending_approval',
      amountMinor: AMOUNT_MINOR,
      workflowId: `payment-request-${id}-approval`,
      approval: null,
      payout: null,
    });
    expect(log.inputsOf('createPaymentRequest', id)).toEqual([
      { ...input, workflowId: `payment-request-${id}-approval` },
    ]);
    expect(await handle.query(paymentRequestStatusQuery)).toBe('pending_approval');
    expect(await searchAttributeOf(handle, PaymentRequestStatusKey)).toBe('pending_approval');
    expect(await searchAttributeOf(handle, AmountMinorKey)).toBe(AMOUNT_MINOR);
  });
});

describe('paymentRequestWorkflow: decisions', () => {
  it('when five approvers decide at once, then decidePaymentRequest runs once, one Update gets paid and four get already_decided with that approval', async () => {
    const { id, handle } = await openRequest();
    gates.close('decidePaymentRequest', id);

    const pending = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        handle.startUpdate(decidePaymentRequestUpdate, {
          args: [approve(`approver-${n}`)],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        }),
      ),
    );
    gates.open('decidePaymentRequest', id);
    const settled = await Promise.allSettled(pending.map((update) => update.result()));

    const won = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const lost = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    expect([won.length, lost.length]).toEqual([1, 4]);
    const decideCalls = log.inputsOf('decidePaymentRequest', id);
    expect(decideCalls).toHaveLength(1);
    expect(won[0]).toMatchObject({
      status: 'paid',
      approval: { decision: 'approved', approverId: decideCalls[0]!.approverId },
    });
    for (const error of lost) {
      const refusal = domainErrorFromFailure(error);
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(refusal).toMatchObject({ code: 'already_decided', status: 409 });
      expect(refusal?.extra).toEqual({ approval: won[0]!.approval });
    }
    expect(log.inputsOf('payOutPaymentRequest', id)).toEqual([{ paymentRequestId: id }]);
    expect(await handle.result()).toEqual({ status: 'paid' });
  });

  it('when a request is approved, then payOutPaymentRequest runs once after the decision, the Update answers paid and the run completes paid', async () => {
    const { id, handle } = await openRequest();

    const paid = await handle.executeUpdate(decidePaymentRequestUpdate, {
      args: [approve('approver-1')],
    });

    expect(paid).toMatchObject({
      status: 'paid',
      approval: { decision: 'approved', approverId: 'approver-1', note: 'within budget' },
      payout: { status: 'paid', transferId: `payment-request-${id}-payout`, failure: null },
    });
    expect(log.inputsOf('decidePaymentRequest', id)).toEqual([
      { paymentRequestId: id, ...approve('approver-1') },
    ]);
    const order = log.calls.filter((call) => Object.values(call.input as object).includes(id));
    expect(order.map((call) => call.name)).toEqual([
      'createPaymentRequest',
      'decidePaymentRequest',
      'payOutPaymentRequest',
    ]);
    expect(await handle.result()).toEqual({ status: 'paid' });
    expect(await searchAttributeOf(handle, PaymentRequestStatusKey)).toBe('paid');
  });

  it('when the same approver sends the approval twice at once, then both get the one paid request and nothing runs twice', async () => {
    const { id, handle } = await openRequest();
    gates.close('decidePaymentRequest', id);

    const pending = await Promise.all(
      [1, 2].map(() =>
        handle.startUpdate(decidePaymentRequestUpdate, {
          args: [approve('approver-1')],
          waitForStage: WorkflowUpdateStage.ACCEPTED,
        }),
      ),
    );
    gates.open('decidePaymentRequest', id);
    const [first, repeat] = await Promise.all(pending.map((update) => update.result()));

    expect(first).toMatchObject({ status: 'paid', approval: { approverId: 'approver-1' } });
    expect(repeat).toEqual(first);
    expect(log.inputsOf('decidePaymentRequest', id)).toHaveLength(1);
    expect(log.inputsOf('payOutPaymentRequest', id)).toHaveLength(1);
    expect(await handle.result()).toEqual({ status: 'paid' });
  });

  it('when a request is rejected, then the run completes rejected and no payout runs', async () => {
    const { id, handle } = await openRequest();

    const rejected = await handle.executeUpdate(decidePaymentRequestUpdate, {
      args: [{ decision: 'rejected', approverId: 'approver-2', note: 'over budget' }],
    });

    expect(rejected).toMatchObject({
      status: 'rejected',
      approval: { decision: 'rejected', approverId: 'approver-2', note: 'over budget' },
      payout: null,
    });
    expect(rejected.rejectedAt).toEqual(rejected.decidedAt);
    expect(await handle.result()).toEqual({ status: 'rejected' });
    expect(log.inputsOf('payOutPaymentRequest', id)).toEqual([]);
    expect(await searchAttributeOf(handle, PaymentRequestStatusKey)).toBe('rejected');
  });

  it('when the payout is refused, then the Update answers payout_failed, the payout ran once and the run completes payout_failed', async () => {
    const id = randomUUID();
    failingPayouts.add(id);
    const { handle } = await openRequest(LONG_TTL_MS, id);

    const failed = await handle.executeUpdate(decidePaymentRequestUpdate, {
      args: [approve('approver-3')],
    });

    expect(failed).toMatchObject({
      status: 'payout_failed',
      payout: { status: 'failed', transferId: null, failure: { code: 'insufficient_funds' } },
    });
    expect(await handle.result()).toEqual({ status: 'payout_failed' });
    expect(log.inputsOf('payOutPaymentRequest', id)).toEqual([{ paymentRequestId: id }]);
    expect(await searchAttributeOf(handle, PaymentRequestStatusKey)).toBe('payout_failed');
  });

  it('when the requester decides their own request, then self_approval, no activity runs, and another approver still can', async () => {
    const { id, input, handle } = await openRequest();

    const self = await rejectionOf(
      handle.executeUpdate(decidePaymentRequestUpdate, { args: [approve(input.requesterId)] }),
    );

    expect(self.error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(self.refusal).toMatchObject({ code: 'self_approval', status: 403 });
    expect(log.inputsOf('decidePaymentRequest', id)).toEqual([]);
    expect(await handle.query(paymentRequestStatusQuery)).toBe('pending_approval');
    const paid = await handle.executeUpdate(decidePaymentRequestUpdate, {
      args: [approve('approver-4')],
    });
    expect(paid.status).toBe('paid');
    expect(await handle.result()).toEqual({ status: 'paid' });
  });
});

describe('paymentRequestWorkflow: the approval timer', () => {
  it('when nobody decides within approvalTtlMs, then expirePaymentRequest runs once and the run completes expired', async () => {
    const startedAt = Date.now();

    const { id, handle } = await openRequest(SHORT_TTL_MS);
    const result = await handle.result();

    expect(result).toEqual({ status: 'expired' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(SHORT_TTL_MS);
    expect(log.inputsOf('expirePaymentRequest', id)).toEqual([{ paymentRequestId: id }]);
    expect(log.inputsOf('decidePaymentRequest', id)).toEqual([]);
    expect(log.inputsOf('payOutPaymentRequest', id)).toEqual([]);
    expect(await searchAttributeOf(handle, PaymentRequestStatusKey)).toBe('expired');
  });

  it('when the stored expiresAt comes before approvalTtlMs would, then the timer fires at expiresAt (patch approval-expiry-at-expires-at)', async () => {
    const id = randomUUID();
    storedExpiresAt.set(id, new Date(Date.now() + 500).toISOString());

    const { handle } = await openRequest(LONG_TTL_MS, id);
    const result = await handle.result();

    expect(result).toEqual({ status: 'expired' });
    expect(log.inputsOf('expirePaymentRequest', id)).toEqual([{ paymentRequestId: id }]);
    const markers = ((await handle.fetchHistory()).events ?? []).filter(
      (event) => event.markerRecordedEventAttributes?.markerName === 'core_patch',
    );
    expect(markers).toHaveLength(1);
  });

  it('when an approval arrives while the timer expires the request, then it is refused with invalid_transition and nothing is paid', async () => {
    const id = randomUUID();
    gates.close('expirePaymentRequest', id);
    const { handle } = await openRequest(1_000, id);
    await log.waitForCall('expirePaymentRequest', id, 10_000);

    const late = await handle.startUpdate(decidePaymentRequestUpdate, {
      args: [approve('approver-5')],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    gates.open('expirePaymentRequest', id);
    const refused = await rejectionOf(late.result());

    expect(refused.refusal).toMatchObject({ code: 'invalid_transition', status: 409 });
    expect(refused.refusal?.extra).toEqual({ paymentRequestStatus: 'expired' });
    expect(await handle.result()).toEqual({ status: 'expired' });
    expect(log.inputsOf('decidePaymentRequest', id)).toEqual([]);
    expect(log.inputsOf('payOutPaymentRequest', id)).toEqual([]);
  });
});
