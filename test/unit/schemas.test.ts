import { describe, expect, it } from 'vitest';
import { ORDER_LINES_MAX, placeOrderBodySchema } from '../../domain/orders-schemas';
import { idempotencyKeySchema, QUANTITY_MAX } from '../../domain/schemas';
import {
  CATEGORY_LIMITS_MAX,
  createPauseBodySchema,
  createProgramBodySchema,
  createVoucherBodySchema,
  multiplierSchema,
} from '../../domain/allowances-schemas';

const PRODUCT = '00000000-0000-4000-8000-000000000001';
const ACCOUNT = '00000000-0000-4000-8000-0000000000aa';

const line = (quantity: unknown) => ({ productId: PRODUCT, quantity });

describe('placeOrderBodySchema', () => {
  it('accepts explicit lines and defaults the payment method to wallet', () => {
    const result = placeOrderBodySchema.safeParse({ lines: [line(2)] });

    expect(result.success).toBe(true);
    expect(result.data).toEqual({
      lines: [{ productId: PRODUCT, quantity: 2 }],
      paymentMethod: 'wallet',
    });
  });

  it('accepts fromCart with an allowance and an immediate payment', () => {
    const result = placeOrderBodySchema.safeParse({
      fromCart: true,
      paymentMethod: 'allowance',
      pay: { accountId: ACCOUNT },
    });

    expect(result.success).toBe(true);
    expect(result.data).toEqual({
      fromCart: true,
      paymentMethod: 'allowance',
      pay: { accountId: ACCOUNT },
    });
  });

  it.each([
    ['neither lines nor fromCart', {}],
    ['both lines and fromCart', { lines: [line(1)], fromCart: true }],
    ['fromCart false', { fromCart: false }],
    ['empty lines', { lines: [] }],
    [
      `more than ${ORDER_LINES_MAX} lines`,
      { lines: Array.from({ length: ORDER_LINES_MAX + 1 }, () => line(1)) },
    ],
  ])('refuses %s', (_label, body) => {
    expect(placeOrderBodySchema.safeParse(body).success).toBe(false);
  });

  it('points the lines-xor-fromCart refusal at lines', () => {
    const result = placeOrderBodySchema.safeParse({});

    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['lines']);
  });

  it(`accepts quantities 1 and ${QUANTITY_MAX}`, () => {
    expect(placeOrderBodySchema.safeParse({ lines: [line(1)] }).success).toBe(true);
    expect(placeOrderBodySchema.safeParse({ lines: [line(QUANTITY_MAX)] }).success).toBe(true);
  });

  it.each([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 1.5],
    ['a numeric string', '2'],
    [`above ${QUANTITY_MAX}`, QUANTITY_MAX + 1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['null', null],
  ])('refuses a %s quantity, naming the line', (_label, quantity) => {
    const result = placeOrderBodySchema.safeParse({ lines: [line(1), line(quantity)] });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('lines.1.quantity');
  });

  it('refuses a product id that is not a UUID', () => {
    expect(
      placeOrderBodySchema.safeParse({ lines: [{ productId: 'sku-1', quantity: 1 }] }).success,
    ).toBe(false);
  });

  it.each([
    ['on the body', { lines: [line(1)], coupon: 'FREE' }],
    ['on a line', { lines: [{ productId: PRODUCT, quantity: 1, priceMinor: 1 }] }],
    ['on pay', { fromCart: true, pay: { accountId: ACCOUNT, amountMinor: 1 } }],
  ])('refuses an unknown key %s', (_label, body) => {
    const result = placeOrderBodySchema.safeParse(body);

    expect(result.success).toBe(false);
    expect(result.error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });

  it('refuses an unknown payment method', () => {
    expect(placeOrderBodySchema.safeParse({ fromCart: true, paymentMethod: 'card' }).success).toBe(
      false,
    );
  });
});

describe('idempotencyKeySchema', () => {
  it.each([
    ['one character', 'a'],
    ['255 characters', 'k'.repeat(255)],
    ['a UUID', '3f8a1c2e-5b7d-4e9f-8a1b-2c3d4e5f6a7b'],
    [
      'every printable ASCII character',
      Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join(''),
    ],
  ])('accepts %s', (_label, key) => {
    expect(idempotencyKeySchema.safeParse(key).success).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['256 characters', 'k'.repeat(256)],
    ['an accented letter', 'cl\u00e9'],
    ['Cyrillic', '\u043a\u043b\u044e\u0447'],
    ['an emoji', 'key-\u{1F511}'],
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['a trailing newline', 'abc\n'],
    ['a NUL', 'a\u0000b'],
    ['DEL', 'a\u007fb'],
  ])('refuses %s', (_label, key) => {
    expect(idempotencyKeySchema.safeParse(key).success).toBe(false);
  });

  it('refuses a non-string', () => {
    expect(idempotencyKeySchema.safeParse(42).success).toBe(false);
  });
});

describe('multiplierSchema (allowance pauses and vouchers)', () => {
  it.each([0.001, 0.5, 1, 1.5, 1.005, 2, 99.999, 100])('accepts %s', (value) => {
    expect(multiplierSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    ['zero', 0],
    ['negative', -2],
    ['above 100', 100.001],
    ['four decimals', 1.0005],
    ['a float sum', 0.1 + 0.2],
    ['a numeric string', '2'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['null', null],
  ])('refuses %s', (_label, value) => {
    expect(multiplierSchema.safeParse(value).success).toBe(false);
  });
});

describe('allowance programme bodies', () => {
  const program = { name: 'Benefits', currency: 'EUR', allowanceMinor: 5_000, period: 'month' };

  it('defaults categoryLimits to none', () => {
    expect(createProgramBodySchema.parse(program)).toEqual({ ...program, categoryLimits: {} });
  });

  it.each([
    ['a zero limit', { hygiene: 0 }],
    ['a fractional limit', { hygiene: 1.5 }],
    ['an empty category', { '': 100 }],
    ['a category with a trailing space', { 'hygiene ': 100 }],
    [
      `more than ${CATEGORY_LIMITS_MAX} categories`,
      Object.fromEntries(Array.from({ length: CATEGORY_LIMITS_MAX + 1 }, (_, i) => [`c${i}`, 1])),
    ],
  ])('refuses %s', (_label, categoryLimits) => {
    expect(createProgramBodySchema.safeParse({ ...program, categoryLimits }).success).toBe(false);
  });

  it('refuses a pause that ends when or before it starts, naming endsAt', () => {
    const pause = {
      name: 'summer',
      startsAt: '2025-07-01T00:00:00Z',
      endsAt: '2025-07-01T00:00:00Z',
      multiplier: 2,
    };

    const result = createPauseBodySchema.safeParse(pause);

    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['endsAt']);
    expect(
      createPauseBodySchema.safeParse({ ...pause, endsAt: '2025-07-01T00:00:00.001Z' }).success,
    ).toBe(true);
  });

  it('refuses a voucher without an ISO-8601 expiry', () => {
    expect(
      createVoucherBodySchema.safeParse({ multiplier: 2, expiresAt: 'next week' }).success,
    ).toBe(false);
  });
});
