import type { Transaction } from 'sequelize';
import { DomainError } from '../domain/errors';
import { totalOfLines } from '../domain/number-range';
import type { OrderLineInput, OrderView, PayAtPlacement, PaymentMethod } from '../domain/orders';
import type { AllowanceCoverInput } from './allowances';
import { toSafeInt, type Db } from './connection';
import type { LockedProduct } from './orders';
import { execute } from './transaction';

/*
 * The pieces the placement transaction (activities/orders.ts placeOrder) is built from: the
 * checks it makes on the locked products, and the one statement that writes the order.
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

/**
 * assertBeforeDeadline refuses to place an order once its caller has stopped waiting.
 * @throws DomainError `unavailable` (503) after `deadlineMs`.
 */
export function assertBeforeDeadline(deadlineMs: number | undefined): void {
  if (deadlineMs === undefined || Date.now() <= deadlineMs) return;
  throw new DomainError('unavailable', 'The submission was not placed before its caller gave up');
}

/** allowanceCoverOf is what the allowance check needs of a placement: lines with price and category. */
export function allowanceCoverOf(
  input: PlacementInput,
  products: Map<string, LockedProduct>,
): AllowanceCoverInput {
  const first = products.get(input.lines[0]!.productId)!;
  return {
    customerId: input.customerId,
    currency: first.currency.trim(),
    lines: input.lines.map((line) => {
      const product = products.get(line.productId)!;
      return {
        ...line,
        priceMinor: toSafeInt(product.price_minor),
        category: product.category,
      };
    }),
  };
}

/**
 * assertInStock checks every line against its locked product's available stock.
 * @throws DomainError `insufficient_stock` (409) with `lines: [{productId, requested, available}]`
 *   naming every short line (SPEC.md §4).
 */
export function assertInStock(lines: OrderLineInput[], products: Map<string, LockedProduct>): void {
  const short = lines
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
}

/**
 * orderTotalOf is an order's total in minor units: Σ price × quantity of its lines at the
 * locked products' prices, every line total and partial sum within ±(2^53 − 1) (SPEC.md §1).
 * Placement calls it before the stock and allowance checks, so an order that could never be
 * paid is refused as such, and before any write.
 * @throws DomainError `amount_out_of_range` (422; `lineIndex` names a line whose own total
 *   is out of range).
 */
export function orderTotalOf(
  lines: OrderLineInput[],
  products: Map<string, LockedProduct>,
): number {
  const priced = lines.map((line) => ({
    priceMinor: toSafeInt(products.get(line.productId)!.price_minor),
    quantity: line.quantity,
  }));
  return totalOfLines(priced, 'the order total');
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
  products: Map<string, LockedProduct>,
): Promise<OrderView> {
  const lines = input.lines.map((l) => ({
    ...l,
    priceMinor: toSafeInt(products.get(l.productId)!.price_minor),
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

/**
 * assertOrderableLines checks that every product exists, belongs to an approved seller and
 * that all share one currency.
 * @throws DomainError `validation_failed` (422) or `currency_mismatch` (422).
 */
export function assertOrderableLines(
  lines: OrderLineInput[],
  products: Map<string, LockedProduct>,
): void {
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
