import { DomainError } from './errors';
import { totalOfLines } from './number-range';
import type { OrderLineInput } from './orders';

/*
 * The placement rules (SPEC.md §4) on the products an order names, as the placement
 * transaction locked them: pure checks, so db/ only reads and writes.
 */

/** OrderableProduct is a product as placement sees it, with its seller's approval status. */
export interface OrderableProduct {
  id: string;
  /** priceMinor is the current unit price in minor units of `currency`. */
  priceMinor: number;
  /** currency is the ISO 4217 code as stored (a fixed-width column: may carry padding). */
  currency: string;
  stockOnHand: number;
  reserved: number;
  approvalStatus: string;
  /** category is the product's category (SPEC.md §2), which allowance sub-limits count by. */
  category: string | null;
}

/** OrderableProducts are the locked products of one order by id. */
export type OrderableProducts = ReadonlyMap<string, OrderableProduct>;

/**
 * assertBeforeDeadline refuses to place an order once its caller has stopped waiting.
 * @throws DomainError `unavailable` (503) after `deadlineMs` (epoch ms).
 */
export function assertBeforeDeadline(deadlineMs: number | undefined): void {
  if (deadlineMs === undefined || Date.now() <= deadlineMs) return;
  throw new DomainError('unavailable', 'The submission was not placed before its caller gave up');
}

/**
 * assertOrderableLines checks that every product exists, belongs to an approved seller and
 * that all share one currency.
 * @throws DomainError `validation_failed` (422) or `currency_mismatch` (422).
 */
export function assertOrderableLines(lines: OrderLineInput[], products: OrderableProducts): void {
  const errors = lines
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => products.get(line.productId)?.approvalStatus !== 'approved')
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

/**
 * assertInStock checks every line against its product's available stock (on hand − reserved).
 * @throws DomainError `insufficient_stock` (409) with `lines: [{productId, requested, available}]`
 *   naming every short line (SPEC.md §4).
 */
export function assertInStock(lines: OrderLineInput[], products: OrderableProducts): void {
  const short = lines
    .map((l) => {
      const p = products.get(l.productId)!;
      return {
        productId: l.productId,
        requested: l.quantity,
        available: p.stockOnHand - p.reserved,
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
 * products' prices, every line total and partial sum within ±(2^53 − 1) (SPEC.md §1). Checked
 * before stock and allowance, so an order that could never be paid is refused as such.
 * @throws DomainError `amount_out_of_range` (422; `lineIndex` names a line out of range).
 */
export function orderTotalOf(lines: OrderLineInput[], products: OrderableProducts): number {
  const priced = lines.map((line) => ({
    priceMinor: products.get(line.productId)!.priceMinor,
    quantity: line.quantity,
  }));
  return totalOfLines(priced, 'the order total');
}
