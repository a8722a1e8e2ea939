import type { Transaction } from 'sequelize';
import type { OrderStatus, OrderView, PaymentMethod } from '../domain/orders';
import { toSafeInt, type Db } from './connection';
import { query } from './transaction';

/*
 * Order reads shared by the API (GET /v1/orders…) and the order activities, which re-read the
 * order inside their transaction after a change.
 */

/** OrderRow is an `orders` row with its lines aggregated as JSON (ORDER_SELECT). */
interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  payment_method: PaymentMethod;
  total_minor: string;
  currency: string;
  workflow_id: string;
  payment_account_id: string | null;
  payment_transfer_id: string | null;
  refund_transfer_id: string | null;
  reserved_at: Date;
  expires_at: Date;
  paid_at: Date | null;
  fulfilled_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
  created_at: Date;
  lines: { productId: string; quantity: number; priceMinor: number | string }[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** toOrderView maps an order row (with its lines aggregated as JSON) to the API shape. */
function toOrderView(row: OrderRow): OrderView {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    paymentMethod: row.payment_method,
    lines: row.lines.map((l) => ({
      productId: l.productId,
      quantity: l.quantity,
      priceMinor: toSafeInt(l.priceMinor),
    })),
    totalMinor: toSafeInt(row.total_minor),
    currency: row.currency.trim(),
    workflowId: row.workflow_id,
    paymentAccountId: row.payment_account_id,
    paymentTransferId: row.payment_transfer_id,
    refundTransferId: row.refund_transfer_id,
    reservedAt: row.reserved_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    paidAt: iso(row.paid_at),
    fulfilledAt: iso(row.fulfilled_at),
    cancelledAt: iso(row.cancelled_at),
    expiredAt: iso(row.expired_at),
    createdAt: row.created_at.toISOString(),
  };
}

/** ORDER_SELECT reads orders with their lines, sorted by product, as one JSON column. */
export const ORDER_SELECT = `
  SELECT o.*, COALESCE((
    SELECT json_agg(json_build_object('productId', l.product_id, 'quantity', l.quantity, 'priceMinor', l.price_minor)
                    ORDER BY l.product_id)
    FROM order_lines l WHERE l.order_id = o.id), '[]'::json) AS lines
  FROM orders o`;

/** findOrder reads one order with its lines, or undefined. */
export async function findOrder(
  db: Db,
  orderId: string,
  transaction?: Transaction,
): Promise<OrderView | undefined> {
  const rows = await query<OrderRow>(db, `${ORDER_SELECT} WHERE o.id = $1`, [orderId], transaction);
  return rows[0] ? toOrderView(rows[0]) : undefined;
}

/** ListOrdersInput pages through orders newest first, optionally for one customer. */
export interface ListOrdersInput {
  customerId?: string;
  limit: number;
  /** after is the (createdAt, id) of the last order of the previous page. */
  after?: { createdAt: string; id: string };
}

/** listOrders returns up to `limit` orders, newest first, after the cursor position. */
export async function listOrders(db: Db, input: ListOrdersInput): Promise<OrderView[]> {
  const where: string[] = [];
  const bind: unknown[] = [];
  if (input.customerId) {
    bind.push(input.customerId);
    where.push(`o.customer_id = $${bind.length}`);
  }
  if (input.after) {
    bind.push(input.after.createdAt, input.after.id);
    where.push(`(o.created_at, o.id) < ($${bind.length - 1}::timestamptz, $${bind.length}::uuid)`);
  }
  bind.push(input.limit);
  const sql = `${ORDER_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY o.created_at DESC, o.id DESC LIMIT $${bind.length}`;
  return (await query<OrderRow>(db, sql, bind)).map(toOrderView);
}
