import { describe, expect, it } from 'vitest';
import {
  AUDIT_CART_DEPTH_MAX,
  auditCartOf,
  cleanAuditText,
  TOO_DEEP,
  type TruncatedCart,
} from '../../domain/order-failures-cart';

/*
 * What the failed-attempt audit keeps of a refused body (SPEC.md §10: at most
 * AUDIT_CART_MAX_BYTES, never a NUL into jsonb). Sizes are the UTF-8 bytes of the stored JSON.
 */

const storedBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('auditCartOf', () => {
  it('when the cart fits, then it is kept as sent', () => {
    const cart = { lines: [{ productId: 'p', quantity: 2 }], note: 'ünïcode ✓' };

    expect(auditCartOf(cart, 8_192)).toEqual(cart);
    expect(auditCartOf(undefined, 8_192)).toBeNull();
  });

  it.each([
    ['ASCII', 'x'],
    ['quotes and backslashes', '"\\'],
    ['multi-byte characters', '€😀'],
    ['control characters', '\n\t\u0001'],
  ])(
    'when a cart of %s is larger than the limit, then a truncated wrapper within it is stored',
    (_name, unit) => {
      const cart = { lines: [], padding: unit.repeat(20_000) };

      for (const maxBytes of [256, 1_000, 8_192]) {
        const stored = auditCartOf(cart, maxBytes) as TruncatedCart;

        expect(stored.truncated).toBe(true);
        expect(stored.bytes).toBe(storedBytes(cart));
        expect(storedBytes(stored)).toBeLessThanOrEqual(maxBytes);
        expect(storedBytes(stored)).toBeGreaterThan(maxBytes - 16);
        expect(JSON.stringify(cart).startsWith(stored.head)).toBe(true);
      }
    },
  );

  it('when numbers would print longer in PostgreSQL, then their full length counts', () => {
    const cart = Array.from({ length: 200 }, () => 1e300);

    expect(storedBytes(cart)).toBeLessThan(8_192);
    expect(auditCartOf(cart, 8_192)).toMatchObject({ truncated: true });
    expect(auditCartOf([1e300, 1.5e-7, -2e21], 8_192)).toEqual([1e300, 1.5e-7, -2e21]);
  });

  it('when strings or keys hold NUL characters or lone surrogates, then they are cleaned', () => {
    const cart = { 'a\u0000b': ['x\u0000y', '\ud800z', 'ok😀'] };

    expect(auditCartOf(cart, 8_192)).toEqual({ ab: ['xy', '\ufffdz', 'ok😀'] });
    expect(JSON.stringify(auditCartOf({ raw: '\u0000'.repeat(9_000) }, 8_192))).toBe('{"raw":""}');
    expect(cleanAuditText({ detail: 'a\u0000', errors: [{ message: '\u0000b' }] })).toEqual({
      detail: 'a',
      errors: [{ message: 'b' }],
    });
  });

  it('when the cart nests 32 000 levels, then the levels past the bound are replaced', () => {
    const depth = 32_000;
    const cart = JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

    const stored = auditCartOf(cart, 8_192);

    let inner = stored;
    for (let level = 0; level < AUDIT_CART_DEPTH_MAX; level += 1) inner = (inner as unknown[])[0];
    expect(inner).toBe(TOO_DEEP);
  });

  it('when the limit is outside 256–65536 bytes, then it throws', () => {
    expect(() => auditCartOf({}, 255)).toThrow(/256–65536/);
    expect(() => auditCartOf({}, 65_537)).toThrow(/256–65536/);
  });
});
