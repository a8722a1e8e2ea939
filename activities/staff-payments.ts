import { DomainError } from '../domain/errors';
import type { StaffPaymentView } from '../domain/staff-payments';
import { toSafeInt, type Db } from '../db/connection';
import { postTransferInTx } from '../db/ledger-postings';
import { toStaffPaymentView, type StaffPaymentRow } from '../db/staff-payments';
import { execute, lockRows, withTransaction } from '../db/transaction';

/**
 * completeStaffPayment posts the staff payment's transfer (ID `payment-<id>`, the workflow's ID) and marks
 * it completed, in one transaction that locks the payment row and then both accounts. A
 * retry after commit finds it completed by this transfer and returns it unchanged.
 * @throws DomainError `insufficient_funds` (409), `not_found` (404).
 */
export async function completeStaffPayment(
  db: Db,
  input: { paymentId: string; transferId: string; actorId: string },
): Promise<StaffPaymentView> {
  return withTransaction(db, 'complete_payment', async (transaction) => {
    const [row] = await lockRows<StaffPaymentRow>(
      db,
      transaction,
      'payments',
      'SELECT * FROM payments WHERE id = $1 FOR UPDATE',
      [input.paymentId],
    );
    if (!row) throw new DomainError('not_found', `Payment ${input.paymentId} does not exist`);
    if (row.status === 'completed') return toStaffPaymentView(row);
    await postTransferInTx(db, transaction, {
      id: input.transferId,
      kind: 'payment',
      fromAccountId: row.payer_account_id,
      toAccountId: row.payee_account_id,
      amountMinor: toSafeInt(row.amount_minor),
      description: `payment ${row.id}`,
      initiatedBy: input.actorId,
    });
    const [done] = await execute<StaffPaymentRow>(
      db,
      `UPDATE payments SET status = 'completed', transfer_id = $2, completed_by = $3, completed_at = now()
       WHERE id = $1 RETURNING *`,
      [row.id, input.transferId, input.actorId],
      transaction,
    );
    return toStaffPaymentView(done!);
  });
}
