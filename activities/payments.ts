import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import type { PaymentView } from '../domain/ledger';
import { workflowIds } from '../domain/workflow-ids';
import { toSafeInt, type Db } from '../db/connection';
import { execute, lockRows, query, withTransaction } from '../db/transaction';
import { findAccount, postTransferInTx } from './ledger';

interface PaymentRow {
  id: string;
  payer_account_id: string;
  payee_account_id: string;
  amount_minor: string;
  currency: string;
  status: 'pending' | 'completed';
  transfer_id: string | null;
  created_at: Date;
  completed_at: Date | null;
}

function toPaymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    payerAccountId: row.payer_account_id,
    payeeAccountId: row.payee_account_id,
    amountMinor: toSafeInt(row.amount_minor),
    currency: row.currency,
    status: row.status,
    transferId: row.transfer_id,
    workflowId: workflowIds.payment(row.id),
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

/** findPayment reads one payment, or undefined. */
export async function findPayment(
  db: Db,
  paymentId: string,
  transaction?: Transaction,
): Promise<PaymentView | undefined> {
  const rows = await query<PaymentRow>(
    db,
    'SELECT * FROM payments WHERE id = $1',
    [paymentId],
    transaction,
  );
  return rows[0] ? toPaymentView(rows[0]) : undefined;
}

/**
 * createPayment records a `pending` payment between two existing accounts of one currency, or
 * returns the payment with this ID (a retry). Nothing moves until it is completed.
 * @throws DomainError `validation_failed` (422) for unknown accounts, `currency_mismatch` (422).
 */
export async function createPayment(
  db: Db,
  input: {
    id: string;
    payerAccountId: string;
    payeeAccountId: string;
    amountMinor: number;
    createdBy: string;
  },
): Promise<PaymentView> {
  const existing = await findPayment(db, input.id);
  if (existing) return existing;
  const [payer, payee] = await Promise.all([
    findAccount(db, input.payerAccountId),
    findAccount(db, input.payeeAccountId),
  ]);
  const errors = [
    ...(payer ? [] : [{ path: 'payerAccountId', message: 'unknown account' }]),
    ...(payee ? [] : [{ path: 'payeeAccountId', message: 'unknown account' }]),
  ];
  if (errors.length > 0) throw new DomainError('validation_failed', 'Unknown account', { errors });
  if (payer!.currency !== payee!.currency) {
    throw new DomainError(
      'currency_mismatch',
      `Cannot pay ${payer!.currency} into a ${payee!.currency} account`,
    );
  }
  await execute(
    db,
    `INSERT INTO payments (id, payer_account_id, payee_account_id, amount_minor, currency, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
    [input.id, payer!.id, payee!.id, input.amountMinor, payer!.currency, input.createdBy],
  );
  return (await findPayment(db, input.id))!;
}

/**
 * completePayment posts the payment's transfer (ID `payment-<id>`, the workflow's ID) and marks
 * it completed, in one transaction that locks the payment row and then both accounts. A
 * retry after commit finds it completed by this transfer and returns it unchanged.
 * @throws DomainError `insufficient_funds` (409), `not_found` (404).
 */
export async function completePayment(
  db: Db,
  input: { paymentId: string; transferId: string; actorId: string },
): Promise<PaymentView> {
  return withTransaction(db, 'complete_payment', async (transaction) => {
    const [row] = await lockRows<PaymentRow>(
      db,
      transaction,
      'payments',
      'SELECT * FROM payments WHERE id = $1 FOR UPDATE',
      [input.paymentId],
    );
    if (!row) throw new DomainError('not_found', `Payment ${input.paymentId} does not exist`);
    if (row.status === 'completed') return toPaymentView(row);
    await postTransferInTx(db, transaction, {
      id: input.transferId,
      kind: 'payment',
      fromAccountId: row.payer_account_id,
      toAccountId: row.payee_account_id,
      amountMinor: toSafeInt(row.amount_minor),
      description: `payment ${row.id}`,
      initiatedBy: input.actorId,
    });
    const [done] = await execute<PaymentRow>(
      db,
      `UPDATE payments SET status = 'completed', transfer_id = $2, completed_by = $3, completed_at = now()
       WHERE id = $1 RETURNING *`,
      [row.id, input.transferId, input.actorId],
      transaction,
    );
    return toPaymentView(done!);
  });
}
