import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../api/middleware/idempotency';

const PRODUCT = '00000000-0000-4000-8000-000000000001';
const BODY = JSON.stringify({
  lines: [{ productId: PRODUCT, quantity: 2 }],
  paymentMethod: 'wallet',
  pay: { accountId: 'a' },
});

describe('fingerprintOf', () => {
  it('is a SHA-256 hex digest, the same for the same request', () => {
    const first = fingerprintOf('POST', '/v1/orders', BODY);

    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf('POST', '/v1/orders', BODY)).toBe(first);
  });

  it('ignores key order and whitespace of a JSON body, at every depth', () => {
    const reordered = `{
      "pay" : { "accountId" : "a" },
      "paymentMethod": "wallet",
      "lines": [ { "quantity": 2, "productId": "${PRODUCT}" } ]
    }`;

    expect(fingerprintOf('POST', '/v1/orders', reordered)).toBe(
      fingerprintOf('POST', '/v1/orders', BODY),
    );
  });

  it.each([
    [
      'another quantity',
      JSON.stringify({
        lines: [{ productId: PRODUCT, quantity: 3 }],
        paymentMethod: 'wallet',
        pay: { accountId: 'a' },
      }),
    ],
    [
      'another nested value',
      JSON.stringify({
        lines: [{ productId: PRODUCT, quantity: 2 }],
        paymentMethod: 'wallet',
        pay: { accountId: 'b' },
      }),
    ],
    [
      'a missing member',
      JSON.stringify({ lines: [{ productId: PRODUCT, quantity: 2 }], paymentMethod: 'wallet' }),
    ],
    [
      'an extra member',
      JSON.stringify({
        lines: [{ productId: PRODUCT, quantity: 2 }],
        paymentMethod: 'wallet',
        pay: { accountId: 'a' },
        x: 1,
      }),
    ],
    [
      'a number as a string',
      JSON.stringify({
        lines: [{ productId: PRODUCT, quantity: '2' }],
        paymentMethod: 'wallet',
        pay: { accountId: 'a' },
      }),
    ],
    ['an empty body', ''],
  ])('differs for a body with %s', (_label, body) => {
    expect(fingerprintOf('POST', '/v1/orders', body)).not.toBe(
      fingerprintOf('POST', '/v1/orders', BODY),
    );
  });

  it('keeps the order of array elements significant', () => {
    const ab = JSON.stringify({
      lines: [
        { productId: 'a', quantity: 1 },
        { productId: 'b', quantity: 1 },
      ],
    });
    const ba = JSON.stringify({
      lines: [
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 1 },
      ],
    });

    expect(fingerprintOf('POST', '/v1/orders', ab)).not.toBe(
      fingerprintOf('POST', '/v1/orders', ba),
    );
    expect(fingerprintOf('POST', '/v1/x', '{"ids":["a","b"]}')).not.toBe(
      fingerprintOf('POST', '/v1/x', '{"ids":["b","a"]}'),
    );
  });

  it('differs for another path or method with the same body', () => {
    const order = fingerprintOf('POST', '/v1/orders', BODY);

    expect(fingerprintOf('POST', '/v1/carts', BODY)).not.toBe(order);
    expect(fingerprintOf('POST', '/v1/orders/', BODY)).not.toBe(order);
    expect(fingerprintOf('PUT', '/v1/orders', BODY)).not.toBe(order);
  });

  it('hashes a body that is not JSON as raw text, so its whitespace counts', () => {
    const raw = fingerprintOf('POST', '/v1/orders', 'not json {');

    expect(fingerprintOf('POST', '/v1/orders', 'not json {')).toBe(raw);
    expect(fingerprintOf('POST', '/v1/orders', 'not  json {')).not.toBe(raw);
  });
});
