import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  completeStaffPaymentUpdate,
  type StaffPaymentView,
  type StaffPaymentWorkflowInput,
} from '../domain/staff-payments';
import { DB_ACTIVITY_OPTIONS, Mutex, refuse, toRefusal, type Refusal } from './kit';

const { completeStaffPayment } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/**
 * staffPaymentWorkflow (`payment-<paymentId>`) completes one staff payment exactly once
 * (SPEC.md §5): `complete` Updates run one at a time; the first posts the transfer (its ID is
 * this workflow's ID) and gets 200, every later one is refused with 409 `already_completed`.
 * When no attempt succeeds (insufficient funds) the run fails with that Refusal, so a later
 * complete may start a new run (reuse policy ALLOW_DUPLICATE_FAILED_ONLY).
 */
export async function staffPaymentWorkflow(
  input: StaffPaymentWorkflowInput,
): Promise<StaffPaymentView> {
  let completed: StaffPaymentView | undefined;
  let lastRefusal: Refusal | undefined;
  const writes = new Mutex();

  setHandler(completeStaffPaymentUpdate, ({ actorId }) =>
    writes.runExclusive(async () => {
      if (completed) {
        throw refuse('already_completed', 'The payment was already completed', {
          completedAt: completed.completedAt,
        });
      }
      try {
        completed = await completeStaffPayment({
          paymentId: input.paymentId,
          transferId: workflowInfo().workflowId,
          actorId,
        });
        return completed;
      } catch (err) {
        lastRefusal = toRefusal(err);
        throw lastRefusal;
      }
    }),
  );

  await condition(() => completed !== undefined || lastRefusal !== undefined);
  await condition(allHandlersFinished);
  if (!completed) throw lastRefusal!;
  return completed;
}
