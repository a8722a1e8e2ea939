import { findStaffPayment } from '../../db/staff-payments';
import { DomainError } from '../../domain/errors';
import { completeStaffPaymentUpdate, type StaffPaymentView } from '../../domain/staff-payments';
import { staffPaymentWorkflow } from '../../workflows/staff-payments';
import type { AuthUser } from '../middleware/auth';
import { idempotentUpdateId } from '../middleware/idempotency';
import type { ApiDeps } from '../router';
import { startWithUpdate, updateOrConflict } from '../temporal-kit';

/*
 * The staff-payment service (SPEC.md §5 `POST /v1/payments`): payments staff create `pending`
 * and complete exactly once through `payment-<id>`.
 */

/** stagedPayment reads a staff payment. @throws DomainError `not_found` (404). */
export async function stagedPayment(deps: ApiDeps, paymentId: string): Promise<StaffPaymentView> {
  const payment = await findStaffPayment(deps.db, paymentId);
  if (!payment) throw new DomainError('not_found', 'No such payment');
  return payment;
}

/**
 * completeStaffPayment completes a payment once by Update-with-Start on `payment-<id>` (reuse
 * ALLOW_DUPLICATE_FAILED_ONLY, so a run refused for funds may be retried). A keyed retry of the
 * winning complete names the same Update (idempotentUpdateId) and gets its 200 again (SPEC.md §1).
 * @throws DomainError `not_found` (404), `already_completed` (409, also after the run closed),
 *   `insufficient_funds` (409).
 */
export async function completeStaffPayment(
  deps: ApiDeps,
  input: { user: AuthUser; paymentId: string },
): Promise<StaffPaymentView> {
  const payment = await stagedPayment(deps, input.paymentId);
  return updateOrConflict(
    () =>
      startWithUpdate(deps.temporal, {
        workflow: staffPaymentWorkflow,
        workflowId: payment.workflowId,
        taskQueue: deps.config.taskQueue,
        args: [{ paymentId: payment.id }],
        update: completeStaffPaymentUpdate,
        updateArgs: [{ actorId: input.user.sub }],
        updateId: idempotentUpdateId('payment-complete'),
        reusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      }),
    async () => {
      const now = await stagedPayment(deps, payment.id);
      if (now.status !== 'completed') return undefined;
      return new DomainError('already_completed', 'The payment was already completed', {
        completedAt: now.completedAt,
      });
    },
  );
}
