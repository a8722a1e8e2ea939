import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import type { StaffPaymentView } from '../domain/staff-payments';
import { workflowIds } from '../domain/workflow-ids';
import { toSafeInt, type Db } from './connection';
import { findAccount } from './ledger';
import { execute, lockRows, query } from './transaction';

/** StaffPaymentRow is a `payments` row (the table of staff payments). */
interface StaffPaymentRow {
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

/** toStaffPaymentView maps a `payments` row to its API shape. */
function toStaffPaymentView(row: StaffPaymentRow): StaffPaymentView {
  return {
    id: row.id,
    payerAccountId: row.payer_account_id,
    payeeAccountId: row.payee_account_id,
    amountMinor: toSafeInt(row.amount_minor),
    currency: row.currency,
    status: row.status,
    transferId: row.transfer_id,
    workflowId: workflowIds.staffPayment(row.id),
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

/** findStaffPayment reads one staff payment, or undefined. */
export async function findStaffPayment(
  db: Db,
  paymentId: string,
  transaction?: Transaction,
): Promise<StaffPaymentView | undefined> {
  const rows = await query<StaffPaymentRow>(
    db,
    'SELECT * FROM payments WHERE id = $1',
    [paymentId],
    transaction,
  );
  return rows[0] ? toStaffPaymentView(rows[0]) : undefined;
}

/**
 * createStaffPayment records a `pending` staff payment between two existing accounts of one
 * currency, or returns the payment with this ID (a retry). Nothing moves until it is completed.
 * @throws DomainError `validation_failed` (422) for unknown accounts, `currency_mismatch` (422).
 */
export async function createStaffPayment(
  db: Db,
  input: {
    id: string;
    payerAccountId: string;
    payeeAccountId: string;
    amountMinor: number;
    createdBy: string;
  },
): Promise<StaffPaymentView> {
  const existing = await findStaffPayment(db, input.id);
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
  return (await findStaffPayment(db, input.id))!;
}

/**
 * lockStaffPayment locks one staff payment row `FOR UPDATE` (before the accounts its transfer
 * locks) and returns it.
 * @throws DomainError `not_found` (404) when it does not exist.
 */
export async function lockStaffPayment(
  db: Db,
  transaction: Transaction,
  paymentId: string,
): Promise<StaffPaymentView> {
  const [row] = await lockRows<StaffPaymentRow>(
    db,
    transaction,
    'payments',
    'SELECT * FROM payments WHERE id = $1 FOR UPDATE',
    [paymentId],
  );
  if (!row) throw new DomainError('not_found', `Payment ${paymentId} does not exist`);
  return toStaffPaymentView(row);
}

/**
 * markStaffPaymentCompleted stamps a locked staff payment `completed` by `transferId`, asked by
 * `actorId`, and returns it as stored.
 */
export async function markStaffPaymentCompleted(
  db: Db,
  transaction: Transaction,
  input: { paymentId: string; transferId: string; actorId: string },
): Promise<StaffPaymentView> {
  const [done] = await execute<StaffPaymentRow>(
    db,
    `UPDATE payments SET status = 'completed', transfer_id = $2, completed_by = $3, completed_at = now()
     WHERE id = $1 RETURNING *`,
    [input.paymentId, input.transferId, input.actorId],
    transaction,
  );
  return toStaffPaymentView(done!);
}
