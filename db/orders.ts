import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import type { OrderableProduct, OrderableProducts } from '../domain/order-rules';
import {
  ORDER_MACHINE,
  type OrderLineInput,
  type OrderStatus,
  type OrderView,
  type PaymentMethod,
} from '../domain/orders';
import { toSafeInt, type Db } from './connection';
import { execute, lockRows, query } from './transaction';
import { beforePosition, newestFirst } from './paging';
import type { StatefulTable } from './transition';

/*
 * Order queries: the reads shared by the API (GET /v1/orders…) and the order activities, and
 * the row locks and stock moves those activities' transactions are built from (lock order:
 * orders → products → accounts, ascending id).
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
  if (input.after) beforePosition('o', input.after, where, bind);
  bind.push(input.limit);
  const sql = `${ORDER_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ${newestFirst('o')} LIMIT $${bind.length}`;
  return (await query<OrderRow>(db, sql, bind)).map(toOrderView);
}

/** ProductLockRow is a `products` row locked for an order, with its seller's approval status. */
interface ProductLockRow {
  id: string;
  price_minor: string;
  currency: string;
  stock_on_hand: number;
  reserved: number;
  approval_status: string;
  category: string | null;
}

/** PRODUCT_LOCK_COLUMNS are the columns of a ProductLockRow (products p, sellers s). */
const PRODUCT_LOCK_COLUMNS =
  'p.id, p.price_minor, p.currency, p.stock_on_hand, p.reserved, s.approval_status, p.category';

/** toOrderableProducts maps locked rows to the placement rules' camelCase products by id. */
function toOrderableProducts(rows: ProductLockRow[]): OrderableProducts {
  return new Map(
    rows.map((row): [string, OrderableProduct] => [
      row.id,
      {
        id: row.id,
        priceMinor: toSafeInt(row.price_minor),
        currency: row.currency,
        stockOnHand: row.stock_on_hand,
        reserved: row.reserved,
        approvalStatus: row.approval_status,
        category: row.category,
      },
    ]),
  );
}

/** lockOrder locks one order row `FOR UPDATE` (orders come first in the lock order). */
export async function lockOrder(
  db: Db,
  transaction: Transaction,
  orderId: string,
): Promise<OrderView> {
  const locked = await lockRows<{ id: string }>(
    db,
    transaction,
    'orders',
    'SELECT id FROM orders WHERE id = $1 FOR UPDATE',
    [orderId],
  );
  if (locked.length === 0) throw new DomainError('not_found', `Order ${orderId} does not exist`);
  return (await findOrder(db, orderId, transaction))!;
}

/**
 * lockProducts locks the given products `FOR UPDATE` in ascending id order, with their
 * seller's approval status. Callers pass IDs sorted ascending (mergeOrderLines does).
 */
export async function lockProducts(
  db: Db,
  transaction: Transaction,
  productIds: string[],
): Promise<OrderableProducts> {
  const rows = await lockRows<ProductLockRow>(
    db,
    transaction,
    'products',
    `SELECT ${PRODUCT_LOCK_COLUMNS}
     FROM products p JOIN sellers s ON s.id = p.seller_id
     WHERE p.id = ANY($1::uuid[]) ORDER BY p.id FOR UPDATE OF p`,
    [productIds],
  );
  return toOrderableProducts(rows);
}

/**
 * lockProductsForPlacement locks an order's products `FOR UPDATE` in ascending id order (as
 * lockProducts) and tells, in the same statement, whether the order is already placed (a
 * retried placement, which then changes nothing). Callers pass IDs sorted ascending.
 */
export async function lockProductsForPlacement(
  db: Db,
  transaction: Transaction,
  input: { orderId: string; productIds: string[] },
): Promise<{ products: OrderableProducts; placed: boolean }> {
  const rows = await lockRows<ProductLockRow & { placed: boolean }>(
    db,
    transaction,
    'products',
    `SELECT ${PRODUCT_LOCK_COLUMNS},
            EXISTS (SELECT 1 FROM orders WHERE id = $2) AS placed
     FROM products p JOIN sellers s ON s.id = p.seller_id
     WHERE p.id = ANY($1::uuid[]) ORDER BY p.id FOR UPDATE OF p`,
    [input.productIds, input.orderId],
  );
  // No product row at all: only a placed order's products could be missing if deleted, and
  // products are never deleted, so look the order up to be sure.
  const placed = rows[0]?.placed ?? (await findOrder(db, input.orderId, transaction)) !== undefined;
  return { products: toOrderableProducts(rows), placed };
}

/** moveStock applies per-product deltas to on-hand and reserved and writes stock_movements. */
export async function moveStock(
  db: Db,
  transaction: Transaction,
  input: { orderId: string; reason: 'reserve' | 'release' | 'fulfil'; lines: OrderLineInput[] },
): Promise<void> {
  const onHand = input.lines.map((l) => (input.reason === 'fulfil' ? -l.quantity : 0));
  const reserved = input.lines.map((l) => (input.reason === 'reserve' ? l.quantity : -l.quantity));
  await execute(
    db,
    `WITH d AS (SELECT * FROM unnest($2::uuid[], $3::int[], $4::int[]) AS d(product_id, on_hand, reserved)),
     moved AS (
       UPDATE products p SET stock_on_hand = p.stock_on_hand + d.on_hand, reserved = p.reserved + d.reserved,
         updated_at = now()
       FROM d WHERE p.id = d.product_id RETURNING p.id)
     INSERT INTO stock_movements (product_id, order_id, reason, on_hand_delta, reserved_delta)
     SELECT d.product_id, $1, $5, d.on_hand, d.reserved FROM d JOIN moved ON moved.id = d.product_id`,
    [input.orderId, input.lines.map((l) => l.productId), onHand, reserved, input.reason],
    transaction,
  );
}

/** OrderReference is a reference an order transition records (payment, refund). */
export type OrderReference = 'paymentAccountId' | 'paymentTransferId' | 'refundTransferId';

/** ORDERS is the orders table for db/transition.ts: its machine (SPEC.md §4) and stamps. */
export const ORDERS: StatefulTable<OrderStatus, OrderView, OrderReference> = {
  noun: 'order',
  table: 'orders',
  machine: ORDER_MACHINE,
  lock: lockOrder,
  read: findOrder,
  stampColumns: {
    paid: 'paid_at',
    cancelled: 'cancelled_at',
    fulfilled: 'fulfilled_at',
    expired: 'expired_at',
  },
  referenceColumns: {
    paymentAccountId: 'payment_account_id',
    paymentTransferId: 'payment_transfer_id',
    refundTransferId: 'refund_transfer_id',
  },
  touchesUpdatedAt: true,
  subject: 'order',
  audience: async (db, transaction, order) => ({
    customerIds: [order.customerId],
    sellerIds: await sellerIdsOf(
      db,
      transaction,
      order.lines.map((l) => l.productId),
    ),
  }),
};

/** sellerIdsOf reads the sellers of the given products (an order's audience). */
async function sellerIdsOf(db: Db, transaction: Transaction, productIds: string[]) {
  const rows = await query<{ seller_id: string }>(
    db,
    'SELECT DISTINCT seller_id FROM products WHERE id = ANY($1::uuid[]) ORDER BY seller_id',
    [productIds],
    transaction,
  );
  return rows.map((r) => r.seller_id);
}
