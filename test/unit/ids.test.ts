import { describe, expect, it } from 'vitest';
import { HOLDFAST_NAMESPACE, newId, resourceIdFor } from '../../domain/ids';

const SUB = '7d0c6a2e-1b3f-4c5d-8e9f-0a1b2c3d4e5f';
const OTHER_SUB = '7d0c6a2e-1b3f-4c5d-8e9f-0a1b2c3d4e60';
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resourceIdFor', () => {
  it('derives the same UUIDv5 for the same caller, key and scope, so a retry names the same resource', () => {
    const first = resourceIdFor({ sub: SUB, idempotencyKey: 'order-1', scope: 'order' });

    const retry = resourceIdFor({ sub: SUB, idempotencyKey: 'order-1', scope: 'order' });

    expect(first).toMatch(UUID_V5);
    expect(retry).toBe(first);
  });

  it('is pinned: the same input gives the same ID across releases, restarts and replicas', () => {
    // Computed independently (RFC 9562 UUIDv5: SHA-1 of HOLDFAST_NAMESPACE + "order:<sub>:order-1").
    // If this changes, every client retrying across the deploy gets a second resource.
    expect(HOLDFAST_NAMESPACE).toBe('6f1c2a0e-4b7d-5d3e-9a51-8c0f3e2b7d41');
    expect(resourceIdFor({ sub: SUB, idempotencyKey: 'order-1', scope: 'order' })).toBe(
      '4326972a-1003-5917-8c9e-2fc4d710b608',
    );
  });

  it.each([
    ['scope', { sub: SUB, idempotencyKey: 'k-1', scope: 'transfer' }],
    ['caller', { sub: OTHER_SUB, idempotencyKey: 'k-1', scope: 'order' }],
    ['key', { sub: SUB, idempotencyKey: 'k-2', scope: 'order' }],
    ['key case', { sub: SUB, idempotencyKey: 'K-1', scope: 'order' }],
  ])('derives another ID for another %s', (_label, input) => {
    const base = resourceIdFor({ sub: SUB, idempotencyKey: 'k-1', scope: 'order' });

    expect(resourceIdFor(input)).not.toBe(base);
  });

  it('gives a fresh random UUIDv4 on every call without a key', () => {
    const ids = Array.from({ length: 50 }, () => resourceIdFor({ sub: SUB, scope: 'order' }));

    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('newId', () => {
  it('gives distinct random UUIDv4s', () => {
    const a = newId();
    const b = newId();

    expect(a).toMatch(UUID_V4);
    expect(b).toMatch(UUID_V4);
    expect(a).not.toBe(b);
  });
});
