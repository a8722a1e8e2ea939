import { toSafeInt, type Db } from '../../db/connection';
import { query } from '../../db/transaction';
import { ledgerTransferIds } from '../../domain/workflow-ids';
import { byId, checkEndStatus, describeOutcome } from './expect';
import type { Anomalies } from './model';
import type { OrderStory, OrdersLog } from './orders';

/** OrderRow is what the checks read of an order. */
interface OrderRow {
  id: string;
  customer_id: string;
  status: string;
  total_minor: string;
  paid_at: Date | null;
}

/** PostedRow is a posted ledger transfer. */
interface PostedRow {
  id: string;
  amount_minor: string;
}

/**
 * checkOrders compares the orders workload's log with the database: an acknowledged order is
 * there once with its lines and in a status its acknowledged steps allow; a refused one left
 * no row; a paid order was debited by exactly one payment transfer of its total (an
 * acknowledged pay always, a refused pay never) and refunded once when cancelled after payment.
 */
export async function checkOrders(db: Db, log: OrdersLog, anomalies: Anomalies): Promise<void> {
  const ids = log.stories.map((story) => story.orderId);
  const orders = byId(
    await query<OrderRow>(
      db,
      'SELECT id, customer_id, status, total_minor, paid_at FROM orders WHERE id = ANY($1::uuid[])',
      [ids],
    ),
  );
  const lines = await query<{ order_id: string; product_id: string; quantity: number }>(
    db,
    'SELECT order_id, product_id, quantity FROM order_lines WHERE order_id = ANY($1::uuid[])',
    [ids],
  );
  const transferIds = ids.flatMap((id) => [
    ledgerTransferIds.orderPayment(id),
    ledgerTransferIds.orderRefund(id),
  ]);
  const posted = byId(
    await query<PostedRow>(
      db,
      `SELECT id, amount_minor FROM ledger_transfers WHERE id = ANY($1::text[]) AND status = 'posted'`,
      [transferIds],
    ),
  );
  for (const story of log.stories) {
    const row = orders.get(story.orderId);
    const what = `order ${story.orderId} (placement ${describeOutcome(story.place)})`;
    if (story.place.kind === 'refused' && row)
      anomalies.add('refused write left a trace', `${what} has a row (${row.status})`);
    if (story.place.kind === 'acked' && !row)
      anomalies.add('acknowledged write lost, doubled or changed', `${what} has no row`);
    if (!row) continue;
    const ownLines = lines.filter((line) => line.order_id === story.orderId);
    checkOrderRow(story, row, ownLines, anomalies);
    checkOrderMoney(story, row, posted, anomalies);
  }
}

function checkOrderRow(
  story: OrderStory,
  row: OrderRow,
  lines: { product_id: string; quantity: number }[],
  anomalies: Anomalies,
): void {
  const what = `order ${story.orderId}`;
  const asked = new Map<string, number>();
  for (const line of story.lines)
    asked.set(line.productId, (asked.get(line.productId) ?? 0) + line.quantity);
  const stored = new Map(lines.map((line) => [line.product_id, line.quantity]));
  const same =
    row.customer_id === story.buyer.actor.sub &&
    asked.size === stored.size &&
    [...asked].every(([productId, quantity]) => stored.get(productId) === quantity);
  if (!same)
    anomalies.add(
      'acknowledged write lost, doubled or changed',
      `${what} holds ${JSON.stringify([...stored])} for ${row.customer_id}, asked ${JSON.stringify([...asked])}`,
    );
  checkEndStatus(
    {
      what,
      status: row.status,
      place: story.place,
      settle: story.pay,
      cancel: story.cancel,
      settleStep: 'pay',
      settled: 'paid',
      left: 'expired',
    },
    anomalies,
  );
}

function checkOrderMoney(
  story: OrderStory,
  row: OrderRow,
  posted: Map<string, PostedRow>,
  anomalies: Anomalies,
): void {
  const what = `order ${story.orderId}`;
  const total = toSafeInt(row.total_minor);
  const payment = posted.get(ledgerTransferIds.orderPayment(story.orderId));
  const refund = posted.get(ledgerTransferIds.orderRefund(story.orderId));
  const paid = row.paid_at !== null;
  if (paid !== (payment !== undefined && toSafeInt(payment.amount_minor) === total))
    anomalies.add(
      'acknowledged write lost, doubled or changed',
      `${what}: paid_at ${row.paid_at?.toISOString() ?? 'null'} but payment transfer ${payment ? payment.amount_minor : 'absent'} (total ${total})`,
    );
  if (story.pay?.kind === 'acked' && !paid)
    anomalies.add('acknowledged write lost, doubled or changed', `${what}: pay acked, never paid`);
  if (story.pay?.kind === 'refused' && paid)
    anomalies.add('refused write left a trace', `${what}: pay refused, yet paid`);
  if (story.cancel?.kind === 'refused' && row.status === 'cancelled')
    anomalies.add('refused write left a trace', `${what}: cancel refused, yet cancelled`);
  const refundDue = row.status === 'cancelled' && paid;
  if (refundDue !== (refund !== undefined && toSafeInt(refund.amount_minor) === total))
    anomalies.add(
      'acknowledged write lost, doubled or changed',
      `${what} is ${row.status} (paid ${paid}) with refund ${refund ? refund.amount_minor : 'absent'}`,
    );
}
