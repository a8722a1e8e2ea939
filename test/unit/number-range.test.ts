import { describe, expect, it } from 'vitest';
import { rangeRefusalOf } from '../../db/number-range';
import { DomainError } from '../../domain/errors';
import {
  assertBalanceInRange,
  assertInRange,
  isInRange,
  MINOR_UNITS_MAX,
  totalOfLines,
} from '../../domain/number-range';
import { createProductBodySchema } from '../../domain/catalog';
import { transferBodySchema } from '../../domain/ledger-schemas';
import { NO_NUL, withoutNul } from '../../domain/schemas';
import { z } from 'zod';

const MAX = Number.MAX_SAFE_INTEGER;

/** refusalOf runs `fn` and returns the DomainError it threw (fails when it threw none). */
function refusalOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the number range (SPEC.md §1: ±(2^53 − 1) minor units)', () => {
  it('is exactly the safe integers', () => {
    expect(MINOR_UNITS_MAX).toBe(2 ** 53 - 1);
    expect([0, MAX, -MAX, 1e15].map(isInRange)).toEqual([true, true, true, true]);
    expect([MAX + 1, -MAX - 1, 1e16, 1.5, NaN, Infinity].map(isInRange)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('assertInRange refuses with 422 amount_out_of_range naming what overflowed', () => {
    expect(assertInRange(MAX, 'x')).toBe(MAX);
    const refusal = refusalOf(() => assertInRange(MAX + 2, 'the order total'));
    expect(refusal.code).toBe('amount_out_of_range');
    expect(refusal.status).toBe(422);
    expect(refusal.message).toMatch(/^The order total would leave/);
    expect(refusal.extra).toEqual({ limitMinor: MAX });
  });
});

describe('totalOfLines (order totals, booking amounts)', () => {
  it('sums price × quantity', () => {
    expect(
      totalOfLines([
        { priceMinor: 250, quantity: 4 },
        { priceMinor: 1, quantity: 3 },
      ]),
    ).toBe(1003);
    expect(totalOfLines([])).toBe(0);
  });

  it('refuses a line whose own total leaves the range: 1e12 × 10,000 (the reported repro)', () => {
    const refusal = refusalOf(() =>
      totalOfLines([
        { priceMinor: 1, quantity: 1 },
        { priceMinor: 1e12, quantity: 10_000 },
      ]),
    );
    expect(refusal.code).toBe('amount_out_of_range');
    expect(refusal.extra).toMatchObject({ lineIndex: 1 });
  });

  it('refuses a sum that leaves the range although every line is inside it', () => {
    const half = { priceMinor: 1e12, quantity: 5_000 };
    const refusal = refusalOf(() => totalOfLines([half, half], 'the order total'));
    expect(refusal.code).toBe('amount_out_of_range');
    expect(refusal.extra).not.toHaveProperty('lineIndex');
  });

  it('accepts a total of exactly 2^53 − 1', () => {
    expect(totalOfLines([{ priceMinor: MAX, quantity: 1 }])).toBe(MAX);
  });
});

describe('assertBalanceInRange (every account a posting touches)', () => {
  const at = (balanceMinor: number, pendingDebitsMinor = 0) => ({
    balanceMinor,
    pendingDebitsMinor,
  });

  it('lets a balance reach the edge and no further', () => {
    const edge = { ...at(MAX - 10), balanceDeltaMinor: 10, pendingDeltaMinor: 0 };
    expect(() => assertBalanceInRange(edge, 'an account')).not.toThrow();
    const past = { ...at(MAX - 10), balanceDeltaMinor: 11, pendingDeltaMinor: 0 };
    expect(refusalOf(() => assertBalanceInRange(past, 'an account')).code).toBe(
      'amount_out_of_range',
    );
  });

  it('checks negative balances too (the external account that funds deposits)', () => {
    const external = { ...at(-9e15), balanceDeltaMinor: -1e13, pendingDeltaMinor: 0 };
    expect(refusalOf(() => assertBalanceInRange(external, 'an account')).code).toBe(
      'amount_out_of_range',
    );
  });

  it('checks pending debits and the available money (balance − pending)', () => {
    const hold = { ...at(-9e15, 0), balanceDeltaMinor: 0, pendingDeltaMinor: 1e13 };
    expect(refusalOf(() => assertBalanceInRange(hold, 'an account')).code).toBe(
      'amount_out_of_range',
    );
    // Posting a hold releases its pending debit: available stays where it was.
    const posted = { ...at(-9e15, 5e12), balanceDeltaMinor: -5e12, pendingDeltaMinor: -5e12 };
    expect(() => assertBalanceInRange(posted, 'an account')).not.toThrow();
  });
});

describe('rangeRefusalOf (the CHECKs of 0008_number_range)', () => {
  const pgError = (code: string, constraint: string) =>
    Object.assign(new Error('check'), { original: { code, constraint } });

  it('maps a number-range CHECK violation to amount_out_of_range', () => {
    expect(rangeRefusalOf(pgError('23514', 'accounts_balance_in_range'))?.code).toBe(
      'amount_out_of_range',
    );
  });

  it('leaves other errors alone', () => {
    expect(rangeRefusalOf(pgError('23514', 'accounts_no_negative'))).toBeUndefined();
    expect(rangeRefusalOf(pgError('40P01', 'accounts_balance_in_range'))).toBeUndefined();
    expect(rangeRefusalOf(new Error('boom'))).toBeUndefined();
  });
});

describe('withoutNul (SPEC.md §1: text never reaches PostgreSQL with a NUL)', () => {
  it('refuses U+0000 anywhere and accepts other text', () => {
    const schema = withoutNul(z.string().max(20));
    expect(schema.safeParse('a\u0000b').success).toBe(false);
    expect(schema.safeParse('\u0000').success).toBe(false);
    expect(schema.safeParse('café ☕ tab\there').success).toBe(true);
    expect(NO_NUL.test('')).toBe(true);
  });

  it('guards product names and transfer descriptions', () => {
    const product = {
      sellerId: '00000000-0000-4000-8000-000000000001',
      sku: 'SKU-1',
      name: 'soap\u0000',
      priceMinor: 1,
      currency: 'EUR',
      stock: 1,
    };
    const parsed = createProductBodySchema.safeParse(product);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['name']);
    const transfer = {
      fromAccountId: '00000000-0000-4000-8000-000000000001',
      toAccountId: '00000000-0000-4000-8000-000000000002',
      amountMinor: 1,
      description: 'rent\u0000',
    };
    expect(transferBodySchema.safeParse(transfer).success).toBe(false);
  });
});
