import { toSafeInt, type Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { ledgerTransferIds } from '../../domain/workflow-ids';
import type { ApprovalsLog, RequestStory } from './approvals';
import type { BankLog } from './bank';
import type { BookingsLog } from './bookings';
import { byId, describeOutcome } from './expect';
import type { Anomalies } from './model';
import type { OrdersLog } from './orders';
import { BANK_INITIAL_MINOR, type ChaosWorld } from './seed';

/**
 * checkBank: every acknowledged transfer is posted once between its accounts for its amount,
 * no refused transfer has a row, and the bank's wallets still hold their opening total with
 * none negative.
 */
export async function checkBank(
  db: Db,
  input: { log: BankLog; world: ChaosWorld },
  anomalies: Anomalies,
): Promise<void> {
  const rows = byId(
    await query<{
      id: string;
      status: string;
      debit_account_id: string;
      credit_account_id: string;
      amount_minor: string;
    }>(
      db,
      `SELECT id, status, debit_account_id, credit_account_id, amount_minor FROM ledger_transfers
       WHERE id = ANY($1::text[])`,
      [input.log.transfers.map((t) => t.transferId)],
    ),
  );
  for (const transfer of input.log.transfers) {
    const row = rows.get(transfer.transferId);
    const what = `transfer ${transfer.transferId} (${describeOutcome(transfer.outcome)})`;
    if (transfer.outcome.kind === 'refused' && row)
      anomalies.add('refused write left a trace', `${what} has a ${row.status} row`);
    if (transfer.outcome.kind !== 'acked') continue;
    const same =
      row?.status === 'posted' &&
      row.debit_account_id === transfer.fromAccountId &&
      row.credit_account_id === transfer.toAccountId &&
      toSafeInt(row.amount_minor) === transfer.amountMinor;
    if (!same)
      anomalies.add(
        'acknowledged write lost, doubled or changed',
        `${what} is ${row ? JSON.stringify(row) : 'absent'}`,
      );
  }
  const accountIds = input.world.bank.accountIds;
  const [sum] = await query<{ total: string; negatives: string }>(
    db,
    `SELECT sum(balance_minor) AS total, count(*) FILTER (WHERE balance_minor < 0) AS negatives
     FROM accounts WHERE id = ANY($1::uuid[])`,
    [accountIds],
  );
  const expectedMinor = accountIds.length * BANK_INITIAL_MINOR;
  if (toSafeInt(sum!.total) !== expectedMinor || Number(sum!.negatives) !== 0)
    anomalies.add(
      'ledger, stock, seat or night invariant',
      `bank wallets hold ${sum!.total} (expected ${expectedMinor}), ${sum!.negatives} negative`,
    );
}

/** RequestRow is what the checks read of a payment request and its decision. */
interface RequestRow {
  id: string;
  requester_id: string;
  amount_minor: string;
  status: string;
  decision: string | null;
  approver_id: string | null;
}

/**
 * checkApprovals: an acknowledged request is there once for its amount; a refused one left no
 * row; an acknowledged decision is the request's one decision, by its approver, with the
 * status it answered; a request nobody decided (for sure) expired.
 */
export async function checkApprovals(
  db: Db,
  log: ApprovalsLog,
  anomalies: Anomalies,
): Promise<void> {
  const rows = byId(
    await query<RequestRow>(
      db,
      `SELECT r.id, r.requester_id, r.amount_minor, r.status, a.decision, a.approver_id
       FROM payment_requests r LEFT JOIN payment_request_approvals a ON a.payment_request_id = r.id
       WHERE r.id = ANY($1::uuid[])`,
      [log.stories.map((story) => story.requestId)],
    ),
  );
  for (const story of log.stories) {
    const row = rows.get(story.requestId);
    const what = `payment request ${story.requestId} (${describeOutcome(story.create)})`;
    if (story.create.kind === 'refused' && row)
      anomalies.add('refused write left a trace', `${what} has a row (${row.status})`);
    if (story.create.kind === 'acked' && !row)
      anomalies.add('acknowledged write lost, doubled or changed', `${what} has no row`);
    if (row) checkRequestRow(story, row, anomalies);
  }
}

function checkRequestRow(story: RequestStory, row: RequestRow, anomalies: Anomalies): void {
  const what = `payment request ${story.requestId}`;
  if (
    row.requester_id !== story.requester.actor.sub ||
    toSafeInt(row.amount_minor) !== story.amountMinor
  )
    anomalies.add(
      'acknowledged write lost, doubled or changed',
      `${what} is for ${row.amount_minor} by ${row.requester_id}, asked ${story.amountMinor}`,
    );
  if (story.create.kind !== 'acked') return;
  const acked = story.decisions.find((d) => d.outcome.kind === 'acked');
  const unsure = story.decisions.some((d) => d.outcome.kind === 'indeterminate');
  let allowed: string[];
  if (acked?.outcome.kind === 'acked') {
    const answered = acked.outcome.body?.status as string;
    const decision = acked.decision === 'approve' ? 'approved' : 'rejected';
    // An approval answered while its payout ran ends paid or payout_failed.
    allowed = answered === 'approved' ? ['paid', 'payout_failed'] : [answered];
    if (row.decision !== decision || row.approver_id !== acked.approverId)
      anomalies.add(
        'acknowledged write lost, doubled or changed',
        `${what}: ${decision} by ${acked.approverId} was acked, stored ${row.decision} by ${row.approver_id}`,
      );
  } else allowed = unsure ? ['expired', 'rejected', 'paid', 'payout_failed'] : ['expired'];
  if (!allowed.includes(row.status))
    anomalies.add(
      'acknowledged write lost, doubled or changed',
      `${what} is ${row.status}; after decisions ${story.decisions.map((d) => `${d.decision} ${describeOutcome(d.outcome)}`).join(', ') || 'none'} it may be ${allowed.join(' or ')}`,
    );
}

/**
 * checkWallets: every posted transfer that touches a workload wallet, other than the seeding
 * deposits, is one some request of the run may have made (an acknowledged or indeterminate
 * transfer, payment, refund or payout). Anything else moved money nobody asked for.
 */
export async function checkWallets(
  db: Db,
  input: {
    world: ChaosWorld;
    bank: BankLog;
    orders: OrdersLog;
    bookings: BookingsLog;
    approvals: ApprovalsLog;
  },
  anomalies: Anomalies,
): Promise<void> {
  const { world } = input;
  const wallets = [
    ...world.bank.accountIds,
    ...world.shop.buyers.map((c) => c.accountId),
    ...world.travel.travellers.map((c) => c.accountId),
    ...world.approvals.requesters.flatMap((r) => [r.fromAccountId, r.toAccountId]),
  ];
  const known = knownTransferIds(input);
  const rows = await query<{ id: string; kind: string; amount_minor: string }>(
    db,
    `SELECT id, kind, amount_minor FROM ledger_transfers
     WHERE status = 'posted' AND kind <> 'deposit'
       AND (debit_account_id = ANY($1::uuid[]) OR credit_account_id = ANY($1::uuid[]))`,
    [wallets],
  );
  for (const row of rows.filter((r) => !known.has(r.id)))
    anomalies.add(
      'refused write left a trace',
      `${row.kind} ${row.id} of ${row.amount_minor} moved a workload wallet's money, asked by no request that may have succeeded`,
    );
}

/** knownTransferIds lists the transfers the run's acknowledged or indeterminate requests name. */
function knownTransferIds(input: {
  bank: BankLog;
  orders: OrdersLog;
  bookings: BookingsLog;
  approvals: ApprovalsLog;
}): Set<string> {
  const mayExist = (outcome: { kind: string }) => outcome.kind !== 'refused';
  return new Set([
    ...input.bank.transfers.filter((t) => mayExist(t.outcome)).map((t) => t.transferId),
    ...input.orders.stories
      .filter((s) => mayExist(s.place))
      .flatMap((s) => [
        ledgerTransferIds.orderPayment(s.orderId),
        ledgerTransferIds.orderRefund(s.orderId),
      ]),
    ...input.bookings.stories
      .filter((s) => mayExist(s.place))
      .flatMap((s) => [
        ledgerTransferIds.bookingPayment(s.bookingId),
        ledgerTransferIds.bookingRefund(s.bookingId),
      ]),
    ...input.approvals.stories
      .filter((s) => mayExist(s.create))
      .map((s) => ledgerTransferIds.paymentRequestPayout(s.requestId)),
  ]);
}
