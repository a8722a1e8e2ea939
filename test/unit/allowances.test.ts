import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowancePeriodAt,
  allowanceRequestOf,
  assertAllowanceCoversRequest,
  computeAllowanceBalance,
  multiplierThousandths,
  type AllowanceBalanceInput,
  type AllowanceBalanceView,
} from '../../domain/allowances';
import { DomainError } from '../../domain/errors';

const AT = new Date('2025-06-11T12:00:00.000Z'); // a Wednesday
const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** input is a weekly 1 000 EUR programme with a 300 hygiene sub-limit, nothing spent, at AT. */
function input(overrides: Partial<AllowanceBalanceInput> = {}): AllowanceBalanceInput {
  return {
    customerId: '00000000-0000-4000-8000-0000000000c1',
    programId: '00000000-0000-4000-8000-0000000000b1',
    currency: 'EUR',
    period: 'week',
    allowanceMinor: 1_000,
    categoryLimits: { hygiene: 300 },
    at: AT,
    spentMinor: 0,
    categorySpentMinor: {},
    pauses: [],
    vouchers: [],
    ...overrides,
  };
}

/** running is a pause that started an hour before AT and ends an hour after it. */
const running = (multiplier: string) => ({
  name: 'summer',
  multiplier,
  startsAt: iso(AT.getTime() - HOUR_MS),
  endsAt: iso(AT.getTime() + HOUR_MS),
});

/** voucher expires `inMs` after AT (negative: already expired). */
const voucher = (multiplier: string, inMs = HOUR_MS) => ({
  multiplier,
  expiresAt: iso(AT.getTime() + inMs),
});

function thrown(fn: () => void): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('computeAllowanceBalance', () => {
  it('without pause or voucher, available equals full: the allowance less what was spent', () => {
    const balance = computeAllowanceBalance(input({ spentMinor: 400 }));

    expect(balance).toMatchObject({
      fullBalanceMinor: 600,
      availableBalanceMinor: 600,
      multiplier: 1,
      pause: null,
      vouchers: { multiplier: 1, count: 0 },
    });
  });

  it('a 2× pause and a 1.5× voucher make 3×: available = 3 × allowance − spent, full stays raw', () => {
    const balance = computeAllowanceBalance(
      input({
        spentMinor: 500,
        categorySpentMinor: { hygiene: 100 },
        pauses: [running('2.000')],
        vouchers: [voucher('1.500')],
      }),
    );

    expect(balance.multiplier).toBe(3);
    expect(balance.availableBalanceMinor).toBe(3 * 1_000 - 500);
    expect(balance.fullBalanceMinor).toBe(1_000 - 500);
    expect(balance.pause).toEqual({
      name: 'summer',
      multiplier: 2,
      startsAt: iso(AT.getTime() - HOUR_MS),
      endsAt: iso(AT.getTime() + HOUR_MS),
    });
    expect(balance.vouchers).toEqual({ multiplier: 1.5, count: 1 });
    expect(balance.categories).toEqual([
      {
        category: 'hygiene',
        limitMinor: 300,
        spentMinor: 100,
        fullBalanceMinor: 200,
        availableBalanceMinor: 3 * 300 - 100,
      },
    ]);
  });

  it('floors the multiplied allowance exactly: 100 × 2.3 × 0.7 = 161, where floats give 160.999…', () => {
    expect(Math.floor(100 * 2.3 * 0.7)).toBe(160);

    const balance = computeAllowanceBalance(
      input({
        allowanceMinor: 100,
        categoryLimits: { hygiene: 100 },
        pauses: [running('2.300')],
        vouchers: [voucher('0.700')],
      }),
    );

    expect(balance.availableBalanceMinor).toBe(161);
    expect(balance.categories[0]!.availableBalanceMinor).toBe(161);
    expect(balance.fullBalanceMinor).toBe(100);
    expect(balance.multiplier).toBe(1.61);
  });

  it('keeps three decimals of each multiplier exact (1 000 × 1.001 × 1.001 = 1 002.001 → 1 002)', () => {
    const balance = computeAllowanceBalance(
      input({ allowanceMinor: 1_000, vouchers: [voucher('1.001'), voucher('1.001')] }),
    );

    expect(balance.availableBalanceMinor).toBe(1_002);
    expect(balance.multiplier).toBe(1.002001);
  });

  it('floors a fractional multiplier below 1 (0.333 × 100 = 33.3 → 33)', () => {
    const balance = computeAllowanceBalance(
      input({ allowanceMinor: 100, pauses: [running('0.333')] }),
    );

    expect(balance.availableBalanceMinor).toBe(33);
    expect(balance.fullBalanceMinor).toBe(100);
  });

  it('ignores vouchers expired at `at` and pauses not running at `at`', () => {
    const balance = computeAllowanceBalance(
      input({
        pauses: [
          {
            ...running('5'),
            startsAt: iso(AT.getTime() + HOUR_MS),
            endsAt: iso(AT.getTime() + 2 * HOUR_MS),
          },
          { ...running('5'), startsAt: iso(AT.getTime() - 2 * HOUR_MS), endsAt: iso(AT.getTime()) },
        ],
        vouchers: [voucher('4', -1), voucher('4', 0), voucher('2')],
      }),
    );

    expect(balance.pause).toBeNull();
    expect(balance.vouchers).toEqual({ multiplier: 2, count: 1 });
    expect(balance.availableBalanceMinor).toBe(2_000);
  });

  it('never goes below 0, overall or per category, even when more was spent than the limit', () => {
    const balance = computeAllowanceBalance(
      input({ spentMinor: 5_000, categorySpentMinor: { hygiene: 900 }, pauses: [running('2')] }),
    );

    expect(balance.fullBalanceMinor).toBe(0);
    expect(balance.availableBalanceMinor).toBe(0);
    expect(balance.categories[0]).toMatchObject({ fullBalanceMinor: 0, availableBalanceMinor: 0 });
  });

  it('lists every limited category by name, unspent ones at their full limit', () => {
    const balance = computeAllowanceBalance(
      input({
        categoryLimits: { toys: 50, hygiene: 300, food: 700 },
        categorySpentMinor: { toys: 20 },
      }),
    );

    expect(balance.categories.map((c) => [c.category, c.availableBalanceMinor])).toEqual([
      ['food', 700],
      ['hygiene', 300],
      ['toys', 30],
    ]);
  });

  it('names the current period: the ISO week from Monday 00:00 UTC', () => {
    expect(computeAllowanceBalance(input()).period).toEqual({
      startsAt: '2025-06-09T00:00:00.000Z',
      endsAt: '2025-06-16T00:00:00.000Z',
    });
  });

  it('property: available ≥ full when the multiplier is ≥ 1, and both are never negative', () => {
    const multiplier = fc
      .integer({ min: 1_000, max: 100_000 })
      .map((thousandths) => (thousandths / 1000).toFixed(3));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000_000 }),
        fc.integer({ min: 0, max: 2_000_000_000 }),
        fc.option(multiplier, { nil: undefined }),
        fc.array(multiplier, { maxLength: 4 }),
        (allowanceMinor, spentMinor, pause, vouchers) => {
          const balance = computeAllowanceBalance(
            input({
              allowanceMinor,
              spentMinor,
              pauses: pause ? [running(pause)] : [],
              vouchers: vouchers.map((m) => voucher(m)),
            }),
          );
          expect(balance.fullBalanceMinor).toBe(Math.max(0, allowanceMinor - spentMinor));
          expect(balance.availableBalanceMinor).toBeGreaterThanOrEqual(balance.fullBalanceMinor);
          expect(Number.isSafeInteger(balance.availableBalanceMinor)).toBe(true);
        },
      ),
    );
  });
});

describe('allowancePeriodAt', () => {
  it.each([
    [
      'a Monday at 00:00 starts its own week',
      '2025-06-09T00:00:00.000Z',
      '2025-06-09',
      '2025-06-16',
    ],
    [
      'a Sunday at 23:59 belongs to the week that began on Monday',
      '2025-06-15T23:59:59.999Z',
      '2025-06-09',
      '2025-06-16',
    ],
    ['a week may span two years', '2025-01-01T10:00:00.000Z', '2024-12-30', '2025-01-06'],
  ])('week: %s', (_label, at, startsAt, endsAt) => {
    const period = allowancePeriodAt('week', new Date(at));

    expect(period.startsAt.toISOString()).toBe(`${startsAt}T00:00:00.000Z`);
    expect(period.endsAt.toISOString()).toBe(`${endsAt}T00:00:00.000Z`);
  });

  it.each([
    ['mid-month', '2025-06-11T12:00:00.000Z', '2025-06-01', '2025-07-01'],
    ['December rolls into January', '2025-12-31T23:59:59.999Z', '2025-12-01', '2026-01-01'],
    ['February of a leap year', '2024-02-29T08:00:00.000Z', '2024-02-01', '2024-03-01'],
  ])('month: %s', (_label, at, startsAt, endsAt) => {
    const period = allowancePeriodAt('month', new Date(at));

    expect(period.startsAt.toISOString()).toBe(`${startsAt}T00:00:00.000Z`);
    expect(period.endsAt.toISOString()).toBe(`${endsAt}T00:00:00.000Z`);
  });
});

describe('multiplierThousandths', () => {
  it.each([
    ['2', 2_000n],
    ['2.000', 2_000n],
    ['1.5', 1_500n],
    ['0.001', 1n],
    ['100.000', 100_000n],
  ])('reads %s exactly', (text, thousandths) => {
    expect(multiplierThousandths(text)).toBe(thousandths);
  });

  it.each(['1.0005', '-1', '1e3', '', 'NaN'])('crashes on %j (not a stored multiplier)', (text) => {
    expect(() => multiplierThousandths(text)).toThrow(/at most 3 decimals/);
  });
});

describe('assertAllowanceCoversRequest', () => {
  /** doubled is a balance under a 2× pause: 1 000 allowance (2 000 available), hygiene 300 (600). */
  const doubled: AllowanceBalanceView = computeAllowanceBalance(
    input({ spentMinor: 200, pauses: [running('2')] }),
  );
  const lines = (amounts: [number, string | null][]) =>
    amounts.map(([priceMinor, category]) => ({ quantity: 1, priceMinor, category }));

  it('sums the total and each category, leaving uncategorised lines out of the categories', () => {
    const request = allowanceRequestOf('EUR', [
      { quantity: 2, priceMinor: 150, category: 'hygiene' },
      { quantity: 1, priceMinor: 70, category: null },
      { quantity: 3, priceMinor: 10, category: 'hygiene' },
    ]);

    expect(request).toEqual({ currency: 'EUR', totalMinor: 400, categoryMinor: { hygiene: 330 } });
  });

  it('accepts a request up to the available balance (above the raw one)', () => {
    const request = allowanceRequestOf('EUR', lines([[1_800, null]]));

    expect(doubled.fullBalanceMinor).toBe(800);
    expect(() => assertAllowanceCoversRequest(doubled, request)).not.toThrow();
  });

  it('refuses one minor unit over with insufficient_allowance stating the available balance', () => {
    const err = thrown(() =>
      assertAllowanceCoversRequest(doubled, allowanceRequestOf('EUR', lines([[1_801, null]]))),
    );

    expect(err.code).toBe('insufficient_allowance');
    expect(err.extra).toEqual({
      requestedMinor: 1_801,
      availableBalanceMinor: 1_800,
      multiplier: 2,
    });
    expect(err.message).toContain('1800');
    expect(err.message).not.toMatch(/\b800\b/);
  });

  it('refuses a category over its available sub-limit even when the total fits, naming the category', () => {
    const err = thrown(() =>
      assertAllowanceCoversRequest(
        doubled,
        allowanceRequestOf(
          'EUR',
          lines([
            [601, 'hygiene'],
            [10, 'food'],
          ]),
        ),
      ),
    );

    expect(err.code).toBe('category_limit_exceeded');
    expect(err.extra.category).toEqual({
      category: 'hygiene',
      requestedMinor: 601,
      availableBalanceMinor: 600,
    });
    expect(err.extra).not.toHaveProperty('fullBalanceMinor');
    expect(err.extra).not.toHaveProperty('balance');
    expect(err.extra.availableBalanceMinor).toBe(1_800);
    expect(err.message).toContain('600');
  });

  it('refuses another currency with currency_mismatch', () => {
    const err = thrown(() =>
      assertAllowanceCoversRequest(doubled, allowanceRequestOf('USD', lines([[1, null]]))),
    );

    expect(err.code).toBe('currency_mismatch');
  });
});
