import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
  type ApplicationFailure,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DomainError } from '../domain/errors';
import type { PaymentView, PaymentWorkflowInput } from '../domain/ledger';
import { completePaymentUpdate } from '../domain/ledger-messages';
import { DB_ACTIVITY_OPTIONS, Mutex, toHandlerFailure } from './common';

const { completePayment } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/**
 * paymentWorkflow (`payment-<paymentId>`) completes one staff payment exactly once (SPEC.md §5):
 * `complete` Updates run one at a time; the first posts the transfer (its ID is this workflow's
 * ID) and gets 200, every later one gets 409 `already_completed`. When no attempt succeeds
 * (insufficient funds) the run fails, so a later complete may start a new run
 * (reuse policy ALLOW_DUPLICATE_FAILED_ONLY).
 */
export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<PaymentView> {
  let completed: PaymentView | undefined;
  let lastFailure: ApplicationFailure | undefined;
  const writes = new Mutex();

  setHandler(completePaymentUpdate, ({ actorId }) =>
    writes.runExclusive(async () => {
      if (completed) {
        throw new DomainError('already_completed', 'The payment was already completed', {
          completedAt: completed.completedAt,
        }).toFailure();
      }
      try {
        completed = await completePayment({
          paymentId: input.paymentId,
          transferId: workflowInfo().workflowId,
          actorId,
        });
        return completed;
      } catch (err) {
        lastFailure = toHandlerFailure(err);
        throw lastFailure;
      }
    }),
  );

  await condition(() => completed !== undefined || lastFailure !== undefined);
  await condition(allHandlersFinished);
  if (!completed) throw lastFailure!;
  return completed;
}
