import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import {
  assertOrderTransition,
  type OrderLineInput,
  type OrderStatus,
  type OrderView,
  type PaymentMethod,
} from '../domain/order';
import { ledgerTransferIds } from '../domain/workflow-ids';
import { toSafeInt, type Db } from '../db/connection';
import { execute, lockRows, query, withTransaction } from '../db/transaction';
import { ensureSystemAccount, lockAccounts, postTransferInTx } from './ledger';

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

interface LockedProduct {
  id: string;
  price_minor: string;
  currency: string;
  stock_on_hand: number;
  reserved: number;
  approval_status: string;
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

/** lockOrder locks one order row `FOR UPDATE` (orders come first in the lock order). */
async function lockOrder(db: Db, transaction: Transaction, orderId: string): Promise<OrderView> {
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
async function lockProducts(
  db: Db,
  transaction: Transaction,
  productIds: string[],
): Promise<Map<string, LockedProduct>> {
  const rows = await lockRows<LockedProduct>(
    db,
    transaction,
    'products',
    `SELECT p.id, p.price_minor, p.currency, p.stock_on_hand, p.reserved, s.approval_status
     FROM products p JOIN sellers s ON s.id = p.seller_id
     WHERE p.id = ANY($1::uuid[]) ORDER BY p.id FOR UPDATE OF p`,
    [productIds],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** moveStock applies per-product deltas to on-hand and reserved and writes stock_movements. */
async function moveStock(
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

/** PlaceOrderActivityInput is what placeOrder reserves: lines merged and sorted by productId. */
export interface PlaceOrderActivityInput {
  orderId: string;
  customerId: string;
  workflowId: string;
  lines: OrderLineInput[];
  paymentMethod: PaymentMethod;
  paymentTtlMs: number;
  /** fromCart removes the ordered products from the customer's cart in the same transaction. */
  fromCart?: boolean;
}

/**
 * placeOrder reserves stock and inserts the order in one transaction (SPEC.md §4): it returns
 * the existing order when this ID is already placed (a retried activity), locks the products
 * `FOR UPDATE` in ascending id order, checks every line's availability, then reserves, inserts
 * the order, its lines and the stock movements, and (`fromCart`) empties the ordered cart lines.
 *
 * @throws DomainError `insufficient_stock` (409, `lines: [{productId, requested, available}]`),
 *   `validation_failed` (422) for unknown or hidden products, `currency_mismatch` (422).
 */
export async function placeOrder(db: Db, input: PlaceOrderActivityInput): Promise<OrderView> {
  return withTransaction(db, 'place_order', async (transaction) => {
    const existing = await findOrder(db, input.orderId, transaction);
    if (existing) return existing;
    const products = await lockProducts(
      db,
      transaction,
      input.lines.map((l) => l.productId),
    );
    assertOrderableLines(input.lines, products);
    const short = input.lines
      .map((l) => {
        const p = products.get(l.productId)!;
        return {
          productId: l.productId,
          requested: l.quantity,
          available: p.stock_on_hand - p.reserved,
        };
      })
      .filter((l) => l.available < l.requested);
    if (short.length > 0) {
      throw new DomainError('insufficient_stock', 'Not enough stock for every line', {
        lines: short,
      });
    }
    const priced = input.lines.map((l) => ({
      ...l,
      priceMinor: toSafeInt(products.get(l.productId)!.price_minor),
    }));
    const totalMinor = priced.reduce((sum, l) => sum + l.priceMinor * l.quantity, 0);
    const currency = products.get(input.lines[0]!.productId)!.currency;
    await execute(
      db,
      `INSERT INTO orders (id, customer_id, status, payment_method, total_minor, currency, workflow_id, reserved_at, expires_at)
       VALUES ($1, $2, 'pending_payment', $3, $4, $5, $6, now(), now() + ($7 || ' milliseconds')::interval)`,
      [
        input.orderId,
        input.customerId,
        input.paymentMethod,
        totalMinor,
        currency,
        input.workflowId,
        String(input.paymentTtlMs),
      ],
      transaction,
    );
    await execute(
      db,
      `INSERT INTO order_lines (order_id, product_id, quantity, price_minor)
       SELECT $1, * FROM unnest($2::uuid[], $3::int[], $4::bigint[])`,
      [
        input.orderId,
        priced.map((l) => l.productId),
        priced.map((l) => l.quantity),
        priced.map((l) => l.priceMinor),
      ],
      transaction,
    );
    await moveStock(db, transaction, {
      orderId: input.orderId,
      reason: 'reserve',
      lines: input.lines,
    });
    if (input.fromCart) {
      await execute(
        db,
        'DELETE FROM cart_items WHERE customer_id = $1 AND product_id = ANY($2::uuid[])',
        [input.customerId, input.lines.map((l) => l.productId)],
        transaction,
      );
    }
    return (await findOrder(db, input.orderId, transaction))!;
  });
}

/**
 * assertOrderableLines checks that every product exists, belongs to an approved seller and
 * that all share one currency.
 * @throws DomainError `validation_failed` (422) or `currency_mismatch` (422).
 */
function assertOrderableLines(lines: OrderLineInput[], products: Map<string, LockedProduct>): void {
  const errors = lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => products.get(line.productId)?.approval_status !== 'approved')
    .map(({ line, index }) => ({
      path: `lines.${index}.productId`,
      message: `unknown product ${line.productId}`,
    }));
  if (errors.length > 0) {
    throw new DomainError('validation_failed', 'Some lines name products that cannot be ordered', {
      errors,
    });
  }
  const currencies = new Set(lines.map((l) => products.get(l.productId)!.currency));
  if (currencies.size > 1) {
    throw new DomainError('currency_mismatch', 'All lines of one order must share a currency', {
      currencies: [...currencies].sort(),
    });
  }
}

/** PayOrderActivityInput pays an order from `accountId` with the ledger transfer `transferId`. */
export interface PayOrderActivityInput {
  orderId: string;
  accountId: string;
  transferId: string;
  actorId: string;
}

/**
 * payOrder debits the customer's wallet and credits revenue with the transfer `transferId`,
 * and marks the order paid, in one transaction (orders → accounts lock order). A retry after
 * commit finds the order paid by this transfer and returns it.
 *
 * @throws DomainError `insufficient_funds`, `order_expired`, `invalid_transition` (409),
 *   `forbidden` (403) for an account the customer does not own, `currency_mismatch` (422).
 */
export async function payOrder(db: Db, input: PayOrderActivityInput): Promise<OrderView> {
  const probe = await findOrder(db, input.orderId);
  if (!probe) throw new DomainError('not_found', `Order ${input.orderId} does not exist`);
  const revenueId = await ensureSystemAccount(db, { kind: 'revenue', currency: probe.currency });
  return withTransaction(db, 'pay_order', async (transaction) => {
    const order = await lockOrder(db, transaction, input.orderId);
    if (order.status === 'paid' && order.paymentTransferId === input.transferId) return order;
    assertOrderTransition(order.status, 'paid');
    const accounts = await lockAccounts(db, transaction, [input.accountId, revenueId]);
    const wallet = accounts.get(input.accountId)!;
    if (wallet.ownerId !== order.customerId || wallet.kind !== 'wallet') {
      throw new DomainError('forbidden', 'Orders are paid from the customer’s own wallet', {
        accountId: wallet.id,
      });
    }
    if (wallet.currency !== order.currency) {
      throw new DomainError(
        'currency_mismatch',
        `The order is in ${order.currency}, the wallet in ${wallet.currency}`,
      );
    }
    await postTransferInTx(db, transaction, {
      id: input.transferId,
      kind: 'order_payment',
      fromAccountId: wallet.id,
      toAccountId: revenueId,
      amountMinor: order.totalMinor,
      description: `payment of order ${order.id}`,
      initiatedBy: input.actorId,
    });
    await execute(
      db,
      `UPDATE orders SET status = 'paid', paid_at = now(), payment_account_id = $2, payment_transfer_id = $3,
         updated_at = now() WHERE id = $1`,
      [order.id, wallet.id, input.transferId],
      transaction,
    );
    return (await findOrder(db, order.id, transaction))!;
  });
}

/**
 * cancelOrder releases the order's reservation and, when it was paid, refunds the payment
 * (transfer `order-<id>-refund`, revenue → the paying wallet), in one transaction with locks
 * orders → products → accounts. Cancelling a cancelled order returns it unchanged (a retry).
 * @throws DomainError `invalid_transition` (409) from fulfilled or expired.
 */
export async function cancelOrder(
  db: Db,
  input: { orderId: string; actorId: string },
): Promise<OrderView> {
  const probe = await findOrder(db, input.orderId);
  if (!probe) throw new DomainError('not_found', `Order ${input.orderId} does not exist`);
  const revenueId = probe.paymentAccountId
    ? await ensureSystemAccount(db, { kind: 'revenue', currency: probe.currency })
    : undefined;
  return withTransaction(db, 'cancel_order', async (transaction) => {
    const order = await lockOrder(db, transaction, input.orderId);
    if (order.status === 'cancelled') return order;
    assertOrderTransition(order.status, 'cancelled');
    await lockProducts(
      db,
      transaction,
      order.lines.map((l) => l.productId),
    );
    await moveStock(db, transaction, { orderId: order.id, reason: 'release', lines: order.lines });
    let refundTransferId: string | null = null;
    if (order.status === 'paid') {
      if (!revenueId || !order.paymentAccountId)
        throw new Error(`paid order ${order.id} has no payment account`);
      refundTransferId = ledgerTransferIds.orderRefund(order.id);
      await postTransferInTx(db, transaction, {
        id: refundTransferId,
        kind: 'order_refund',
        fromAccountId: revenueId,
        toAccountId: order.paymentAccountId,
        amountMinor: order.totalMinor,
        description: `refund of order ${order.id}`,
        initiatedBy: input.actorId,
      });
    }
    await execute(
      db,
      `UPDATE orders SET status = 'cancelled', cancelled_at = now(), refund_transfer_id = $2, updated_at = now()
       WHERE id = $1`,
      [order.id, refundTransferId],
      transaction,
    );
    return (await findOrder(db, order.id, transaction))!;
  });
}

/**
 * fulfillOrder ships a paid order: stock on hand and reserved both drop by each line's
 * quantity, in one transaction (orders → products). A retry returns the fulfilled order.
 * @throws DomainError `invalid_transition` (409) unless the order is paid.
 */
export async function fulfillOrder(
  db: Db,
  input: { orderId: string; actorId: string },
): Promise<OrderView> {
  return withTransaction(db, 'fulfill_order', async (transaction) => {
    const order = await lockOrder(db, transaction, input.orderId);
    if (order.status === 'fulfilled') return order;
    assertOrderTransition(order.status, 'fulfilled');
    await lockProducts(
      db,
      transaction,
      order.lines.map((l) => l.productId),
    );
    await moveStock(db, transaction, { orderId: order.id, reason: 'fulfil', lines: order.lines });
    await execute(
      db,
      `UPDATE orders SET status = 'fulfilled', fulfilled_at = now(), updated_at = now() WHERE id = $1`,
      [order.id],
      transaction,
    );
    return (await findOrder(db, order.id, transaction))!;
  });
}

/**
 * expireOrder is run by the order workflow's payment timer: an order still `pending_payment`
 * becomes `expired` and its reservation is released; any other order is returned unchanged.
 */
export async function expireOrder(db: Db, input: { orderId: string }): Promise<OrderView> {
  return withTransaction(db, 'expire_order', async (transaction) => {
    const order = await lockOrder(db, transaction, input.orderId);
    if (order.status !== 'pending_payment') return order;
    await lockProducts(
      db,
      transaction,
      order.lines.map((l) => l.productId),
    );
    await moveStock(db, transaction, { orderId: order.id, reason: 'release', lines: order.lines });
    await execute(
      db,
      `UPDATE orders SET status = 'expired', expired_at = now(), updated_at = now() WHERE id = $1`,
      [order.id],
      transaction,
    );
    return (await findOrder(db, order.id, transaction))!;
  });
}
