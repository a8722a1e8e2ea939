import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors';
import {
  assertBeforeDeadline,
  assertInStock,
  assertOrderableLines,
  orderTotalOf,
  type OrderableProduct,
} from '../../domain/order-rules';

const P1 = '00000000-0000-4000-8000-000000000001';
const P2 = '00000000-0000-4000-8000-000000000002';

/** product is an approved EUR product with 5 on hand and none reserved, unless overridden. */
function product(id: string, over: Partial<OrderableProduct> = {}): OrderableProduct {
  const base = { priceMinor: 100, currency: 'EUR', stockOnHand: 5, reserved: 0 };
  return { id, ...base, approvalStatus: 'approved', category: null, ...over };
}

function thrown(fn: () => void): DomainError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  return undefined;
}

describe('the placement rules on locked products', () => {
  it('when a line names a missing or unapproved product, then validation_failed names its path', () => {
    const products = new Map([[P1, product(P1, { approvalStatus: 'pending' })]]);
    const lines = [
      { productId: P1, quantity: 1 },
      { productId: P2, quantity: 1 },
    ];
    const err = thrown(() => assertOrderableLines(lines, products));
    expect(err?.code).toBe('validation_failed');
    expect(err?.extra).toMatchObject({
      errors: [{ path: 'lines.0.productId' }, { path: 'lines.1.productId' }],
    });
  });

  it('when the lines span two currencies, then currency_mismatch lists both', () => {
    const products = new Map([
      [P1, product(P1)],
      [P2, product(P2, { currency: 'USD' })],
    ]);
    const lines = [
      { productId: P1, quantity: 1 },
      { productId: P2, quantity: 1 },
    ];
    const err = thrown(() => assertOrderableLines(lines, products));
    expect(err?.code).toBe('currency_mismatch');
    expect(err?.extra).toMatchObject({ currencies: ['EUR', 'USD'] });
  });

  it('when a line wants more than on hand − reserved, then insufficient_stock names only it', () => {
    const products = new Map([
      [P1, product(P1, { reserved: 3 })],
      [P2, product(P2)],
    ]);
    const lines = [
      { productId: P1, quantity: 3 },
      { productId: P2, quantity: 5 },
    ];
    const err = thrown(() => assertInStock(lines, products));
    expect(err?.code).toBe('insufficient_stock');
    expect(err?.extra).toMatchObject({
      lines: [{ productId: P1, requested: 3, available: 2 }],
    });
  });

  it('totals price × quantity, and refuses a total past 2^53 − 1 as amount_out_of_range', () => {
    const products = new Map([[P1, product(P1, { priceMinor: 250 })]]);
    expect(orderTotalOf([{ productId: P1, quantity: 3 }], products)).toBe(750);
    const huge = new Map([[P1, product(P1, { priceMinor: Number.MAX_SAFE_INTEGER })]]);
    const err = thrown(() => orderTotalOf([{ productId: P1, quantity: 2 }], huge));
    expect(err?.code).toBe('amount_out_of_range');
  });

  it('refuses a placement only after its deadline', () => {
    expect(thrown(() => assertBeforeDeadline(undefined))).toBeUndefined();
    expect(thrown(() => assertBeforeDeadline(Date.now() + 60_000))).toBeUndefined();
    expect(thrown(() => assertBeforeDeadline(Date.now() - 1))?.code).toBe('unavailable');
  });
});
