import type { StaffPaymentView } from '../domain/staff-payments';
import type { Db } from '../db/connection';
import { postTransferInTx } from '../db/ledger-postings';
import { lockStaffPayment, markStaffPaymentCompleted } from '../db/staff-payments';
import { withTransaction } from '../db/transaction';

/**
 * completeStaffPayment posts the staff payment's transfer (ID `payment-<id>`, the workflow's ID)
 * and marks it completed, in one transaction that locks the payment row and then both accounts.
 * A retry after commit finds it completed by this transfer and returns it unchanged.
 * @throws DomainError `insufficient_funds`, `not_found`, see api/staff-payments/service.ts.
 */
export async function completeStaffPayment(
  db: Db,
  input: { paymentId: string; transferId: string; actorId: string },
): Promise<StaffPaymentView> {
  return withTransaction(db, 'complete_payment', async (transaction) => {
    const payment = await lockStaffPayment(db, transaction, input.paymentId);
    if (payment.status === 'completed') return payment;
    await postTransferInTx(db, transaction, {
      id: input.transferId,
      kind: 'payment',
      fromAccountId: payment.payerAccountId,
      toAccountId: payment.payeeAccountId,
      amountMinor: payment.amountMinor,
      description: `payment ${payment.id}`,
      initiatedBy: input.actorId,
    });
    return markStaffPaymentCompleted(db, transaction, { ...input, paymentId: payment.id });
  });
}
