import type { Transaction } from 'sequelize';
import { orderTotalOf, type OrderableProducts } from '../domain/order-rules';
import type { OrderLineInput, OrderView, PayAtPlacement, PaymentMethod } from '../domain/orders';
import type { AllowanceCoverInput } from './allowances';
import type { Db } from './connection';
import { execute } from './transaction';

/*
 * The statements the placement transaction (activities/orders.ts placeOrder) writes with; its
 * checks on the locked products are the rules of domain/order-rules.ts.
 */

/** PlacementInput is what one placement reserves: lines merged and sorted by productId. */
export interface PlacementInput {
  orderId: string;
  customerId: string;
  workflowId: string;
  lines: OrderLineInput[];
  paymentMethod: PaymentMethod;
  paymentTtlMs: number;
  /**
   * fromCart takes the ordered quantities out of the customer's cart in the same transaction
   * (a line the order used up is removed; what was added since the cart was read stays).
   */
  fromCart?: boolean;
  /** pay pays the order in the same transaction (PayAtPlacement), asked by `actorId`. */
  pay?: PlacementPayment;
  /**
   * deadlineMs (epoch ms) is when the caller stops waiting for the answer (the order gate's
   * submissions carry it): after it, an order not yet placed is refused `unavailable` instead
   * of being placed for a client that has gone.
   */
  deadlineMs?: number;
}

/** PlacementPayment is a placement's `pay` and who asked for it (the ledger's initiatedBy). */
export interface PlacementPayment extends PayAtPlacement {
  actorId: string;
}

/** allowanceCoverOf is what the allowance check needs of a placement: lines with price and category. */
export function allowanceCoverOf(
  input: PlacementInput,
  products: OrderableProducts,
): AllowanceCoverInput {
  const first = products.get(input.lines[0]!.productId)!;
  return {
    customerId: input.customerId,
    currency: first.currency.trim(),
    lines: input.lines.map((line) => {
      const product = products.get(line.productId)!;
      return {
        ...line,
        priceMinor: product.priceMinor,
        category: product.category,
      };
    }),
  };
}

/**
 * lockCartLines locks the customer's cart lines of the ordered products `FOR UPDATE` (after
 * the products: the lock order products → cart), so the statement that takes the ordered
 * quantities out of them reads them as they are now: an add that committed after the API read
 * the cart is waited for and kept, never overwritten (SPEC.md §3: no lost update).
 */
async function lockCartLines(
  db: Db,
  transaction: Transaction,
  input: PlacementInput,
): Promise<void> {
  await execute(
    db,
    `SELECT product_id FROM cart_items WHERE customer_id = $1 AND product_id = ANY($2::uuid[])
     ORDER BY product_id FOR UPDATE`,
    [input.customerId, input.lines.map((l) => l.productId)],
    transaction,
  );
}

/**
 * insertOrder writes the order (`pending_payment`, expiring after `paymentTtlMs`), its lines at
 * the locked products' current prices, the reservation and its stock movements, and (fromCart)
 * takes each line's ordered quantity out of the cart (removing a cart line it uses up; the
 * cart lines are locked first, lockCartLines), all in ONE statement, then returns the placed
 * order built from what it wrote (no re-read). The total is in the products' one currency.
 */
export async function insertOrder(
  db: Db,
  transaction: Transaction,
  input: PlacementInput,
  products: OrderableProducts,
): Promise<OrderView> {
  const lines = input.lines.map((l) => ({
    ...l,
    priceMinor: products.get(l.productId)!.priceMinor,
  }));
  const totalMinor = orderTotalOf(input.lines, products);
  const currency = products.get(input.lines[0]!.productId)!.currency.trim();
  if (input.fromCart) await lockCartLines(db, transaction, input);
  const [stamps] = await execute<{ reserved_at: Date; expires_at: Date; created_at: Date }>(
    db,
    `WITH d AS (SELECT * FROM unnest($8::uuid[], $9::int[], $10::bigint[]) AS d(product_id, quantity, price_minor)),
     o AS (
       INSERT INTO orders (id, customer_id, status, payment_method, total_minor, currency, workflow_id, reserved_at,
         expires_at, placement_finished_at)
       VALUES ($1, $2, 'pending_payment', $3, $4, $5, $6, now(), now() + ($7 || ' milliseconds')::interval,
         clock_timestamp())
       RETURNING reserved_at, expires_at, created_at),
     l AS (INSERT INTO order_lines (order_id, product_id, quantity, price_minor) SELECT $1, * FROM d),
     p AS (UPDATE products p SET reserved = p.reserved + d.quantity, updated_at = now()
           FROM d WHERE p.id = d.product_id),
     m AS (INSERT INTO stock_movements (product_id, order_id, reason, on_hand_delta, reserved_delta)
           SELECT d.product_id, $1, 'reserve', 0, d.quantity FROM d),
     cd AS (DELETE FROM cart_items c USING d
            WHERE $11::boolean AND c.customer_id = $2 AND c.product_id = d.product_id AND c.quantity <= d.quantity),
     cu AS (UPDATE cart_items c SET quantity = c.quantity - d.quantity, updated_at = now() FROM d
            WHERE $11::boolean AND c.customer_id = $2 AND c.product_id = d.product_id AND c.quantity > d.quantity)
     SELECT reserved_at, expires_at, created_at FROM o`,
    [
      input.orderId,
      input.customerId,
      input.paymentMethod,
      totalMinor,
      currency,
      input.workflowId,
      String(input.paymentTtlMs),
      lines.map((l) => l.productId),
      lines.map((l) => l.quantity),
      lines.map((l) => l.priceMinor),
      input.fromCart === true,
    ],
    transaction,
  );
  return placedOrderView({ input, lines, totalMinor, currency, stamps: stamps! });
}

/** placedOrderView is the OrderView of an order just placed, as findOrder would read it. */
function placedOrderView(placed: {
  input: PlacementInput;
  lines: { productId: string; quantity: number; priceMinor: number }[];
  totalMinor: number;
  currency: string;
  stamps: { reserved_at: Date; expires_at: Date; created_at: Date };
}): OrderView {
  const { input, stamps } = placed;
  return {
    id: input.orderId,
    customerId: input.customerId,
    status: 'pending_payment',
    paymentMethod: input.paymentMethod,
    lines: placed.lines,
    totalMinor: placed.totalMinor,
    currency: placed.currency,
    workflowId: input.workflowId,
    paymentAccountId: null,
    paymentTransferId: null,
    refundTransferId: null,
    reservedAt: stamps.reserved_at.toISOString(),
    expiresAt: stamps.expires_at.toISOString(),
    paidAt: null,
    fulfilledAt: null,
    cancelledAt: null,
    expiredAt: null,
    createdAt: stamps.created_at.toISOString(),
  };
}
