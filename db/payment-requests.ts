import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import type {
  Decision,
  PaymentRequestStatus,
  PaymentRequestView,
} from '../domain/payment-requests';
import { toSafeInt, type Db } from './connection';
import { execute, lockRows, query } from './transaction';
import { beforePosition, newestFirst } from './paging';
import { recordEvent } from './events';
import type { EventType } from '../domain/events';

/*
 * Payment-request queries (SPEC.md §7): the reads shared by the API and the approval
 * activities, the request's row lock (lock order: payment_requests → accounts) and the writes
 * of each step, which the activities make under that lock.
 */

/** PaymentRequestRow is a `payment_requests` row joined with its approval, if any. */
interface PaymentRequestRow {
  id: string;
  requester_id: string;
  from_account_id: string;
  to_account_id: string;
  amount_minor: string;
  currency: string;
  reason: string;
  status: PaymentRequestStatus;
  workflow_id: string;
  payout_transfer_id: string | null;
  payout_failure_code: string | null;
  payout_failure_detail: string | null;
  expires_at: Date;
  decided_at: Date | null;
  paid_at: Date | null;
  payout_failed_at: Date | null;
  rejected_at: Date | null;
  expired_at: Date | null;
  created_at: Date;
  decision: Decision | null;
  approver_id: string | null;
  note: string | null;
  approval_decided_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** SELECT_REQUEST reads requests with their approval (one row each: the approval is unique). */
const SELECT_REQUEST = `SELECT r.*, a.decision, a.approver_id, a.note, a.decided_at AS approval_decided_at
  FROM payment_requests r LEFT JOIN payment_request_approvals a ON a.payment_request_id = r.id`;

/** toPaymentRequestView maps a row to the API shape, with its approval and payout. */
function toPaymentRequestView(row: PaymentRequestRow): PaymentRequestView {
  const payout =
    row.status === 'paid' || row.status === 'payout_failed'
      ? {
          transferId: row.payout_transfer_id,
          status: row.status === 'paid' ? ('paid' as const) : ('failed' as const),
          failure: row.payout_failure_code
            ? { code: row.payout_failure_code, detail: row.payout_failure_detail ?? '' }
            : null,
        }
      : null;
  return {
    id: row.id,
    requesterId: row.requester_id,
    fromAccountId: row.from_account_id,
    toAccountId: row.to_account_id,
    amountMinor: toSafeInt(row.amount_minor),
    currency: row.currency.trim(),
    reason: row.reason,
    status: row.status,
    workflowId: row.workflow_id,
    approval:
      row.decision && row.approver_id && row.approval_decided_at
        ? {
            decision: row.decision,
            approverId: row.approver_id,
            note: row.note,
            decidedAt: row.approval_decided_at.toISOString(),
          }
        : null,
    payout,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    decidedAt: iso(row.decided_at),
    paidAt: iso(row.paid_at),
    payoutFailedAt: iso(row.payout_failed_at),
    rejectedAt: iso(row.rejected_at),
    expiredAt: iso(row.expired_at),
  };
}

/** findPaymentRequest reads one request with its approval and payout, or undefined. */
export async function findPaymentRequest(
  db: Db,
  id: string,
  transaction?: Transaction,
): Promise<PaymentRequestView | undefined> {
  const rows = await query<PaymentRequestRow>(
    db,
    `${SELECT_REQUEST} WHERE r.id = $1`,
    [id],
    transaction,
  );
  return rows[0] ? toPaymentRequestView(rows[0]) : undefined;
}

/**
 * lockPaymentRequest locks one request row `FOR UPDATE` and returns it with its approval.
 * @throws DomainError `not_found` (404) when it does not exist.
 */
export async function lockPaymentRequest(
  db: Db,
  transaction: Transaction,
  id: string,
): Promise<PaymentRequestView> {
  await lockRows(
    db,
    transaction,
    'payment_requests',
    'SELECT id FROM payment_requests WHERE id = $1 FOR UPDATE',
    [id],
  );
  const request = await findPaymentRequest(db, id, transaction);
  if (!request) throw new DomainError('not_found', `Payment request ${id} does not exist`);
  return request;
}

/** ListPaymentRequestsInput pages through requests newest first, optionally by status. */
export interface ListPaymentRequestsInput {
  status?: PaymentRequestStatus;
  limit: number;
  /** after is the (createdAt, id) of the last request of the previous page. */
  after?: { createdAt: string; id: string };
}

/** listPaymentRequests returns up to `limit` requests, newest first, after the cursor. */
export async function listPaymentRequests(
  db: Db,
  input: ListPaymentRequestsInput,
): Promise<PaymentRequestView[]> {
  const where: string[] = [];
  const bind: unknown[] = [];
  if (input.status) {
    bind.push(input.status);
    where.push(`r.status = $${bind.length}`);
  }
  if (input.after) beforePosition('r', input.after, where, bind);
  bind.push(input.limit);
  const sql = `${SELECT_REQUEST} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ${newestFirst('r')} LIMIT $${bind.length}`;
  return (await query<PaymentRequestRow>(db, sql, bind)).map(toPaymentRequestView);
}

/** NewPaymentRequest is a checked request to record, in its accounts' one currency. */
export interface NewPaymentRequest {
  paymentRequestId: string;
  requesterId: string;
  workflowId: string;
  fromAccountId: string;
  toAccountId: string;
  /** amountMinor is the payout in minor units of `currency`. */
  amountMinor: number;
  currency: string;
  reason: string;
  /** approvalTtlMs is how long from the database's now it may wait for a decision. */
  approvalTtlMs: number;
}

/** insertPaymentRequest records a `pending_approval` request. */
export async function insertPaymentRequest(
  db: Db,
  transaction: Transaction,
  input: NewPaymentRequest,
): Promise<void> {
  await execute(
    db,
    `INSERT INTO payment_requests (id, requester_id, from_account_id, to_account_id, amount_minor,
       currency, reason, status, workflow_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending_approval', $8,
       now() + ($9 || ' milliseconds')::interval)`,
    [
      input.paymentRequestId,
      input.requesterId,
      input.fromAccountId,
      input.toAccountId,
      input.amountMinor,
      input.currency,
      input.reason,
      input.workflowId,
      String(input.approvalTtlMs),
    ],
    transaction,
  );
}

/**
 * recordDecision writes the request's one approval row and moves it to the decision's status
 * (`approved` or `rejected`, stamping `rejectedAt` for a rejection), in one statement.
 */
export async function recordDecision(
  db: Db,
  transaction: Transaction,
  input: { paymentRequestId: string; decision: Decision; approverId: string; note?: string },
): Promise<void> {
  await execute(
    db,
    `WITH a AS (INSERT INTO payment_request_approvals (payment_request_id, decision, approver_id, note)
                VALUES ($1, $2, $3, $4) RETURNING decided_at)
     UPDATE payment_requests SET status = $2, decided_at = (SELECT decided_at FROM a),
       rejected_at = CASE WHEN $5 THEN (SELECT decided_at FROM a) END, updated_at = now()
     WHERE id = $1`,
    [
      input.paymentRequestId,
      input.decision,
      input.approverId,
      input.note ?? null,
      input.decision === 'rejected',
    ],
    transaction,
  );
}

/** markPaymentRequestPaid stamps a request `paid` by its payout transfer `transferId`. */
export async function markPaymentRequestPaid(
  db: Db,
  transaction: Transaction,
  input: { paymentRequestId: string; transferId: string },
): Promise<void> {
  await execute(
    db,
    `UPDATE payment_requests SET status = 'paid', payout_transfer_id = $2, paid_at = now(),
       updated_at = now() WHERE id = $1`,
    [input.paymentRequestId, input.transferId],
    transaction,
  );
}

/** markPayoutFailed stamps a request `payout_failed` with the ledger's refusal code and detail. */
export async function markPayoutFailed(
  db: Db,
  transaction: Transaction,
  input: { paymentRequestId: string; code: string; detail: string },
): Promise<void> {
  await execute(
    db,
    `UPDATE payment_requests SET status = 'payout_failed', payout_failed_at = now(),
       payout_failure_code = $2, payout_failure_detail = $3, updated_at = now() WHERE id = $1`,
    [input.paymentRequestId, input.code, input.detail],
    transaction,
  );
}

/** markPaymentRequestExpired stamps a request `expired`. */
export async function markPaymentRequestExpired(
  db: Db,
  transaction: Transaction,
  paymentRequestId: string,
): Promise<void> {
  await execute(
    db,
    `UPDATE payment_requests SET status = 'expired', expired_at = now(), updated_at = now()
     WHERE id = $1`,
    [paymentRequestId],
    transaction,
  );
}

/**
 * changedPaymentRequest reads a request its transaction just changed and records the change's
 * event (`payment_request.<change>`, SPEC.md §11) for its requester and the source's owner.
 */
export async function changedPaymentRequest(
  db: Db,
  transaction: Transaction,
  id: string,
  change: 'created' | PaymentRequestStatus,
): Promise<PaymentRequestView> {
  const request = (await findPaymentRequest(db, id, transaction))!;
  const [owner] = await query<{ owner_id: string | null }>(
    db,
    'SELECT owner_id FROM accounts WHERE id = $1',
    [request.fromAccountId],
    transaction,
  );
  await recordEvent(db, transaction, {
    type: `payment_request.${change}` as EventType,
    subject: { type: 'payment_request', id },
    customerIds: [request.requesterId, owner?.owner_id],
    sellerIds: [],
    data: request,
  });
  return request;
}
