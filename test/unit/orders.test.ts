import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors';
import {
  mergeOrderLines,
  ORDER_MACHINE,
  ORDER_STATUSES,
  type OrderStatus,
} from '../../domain/orders';

const assertOrderTransition = ORDER_MACHINE.assertTransition;

const P1 = '00000000-0000-4000-8000-000000000001';
const P2 = '00000000-0000-4000-8000-000000000002';
const P3 = '00000000-0000-4000-8000-000000000003';

/** The edges SPEC.md §4 allows, written out independently of ORDER_MACHINE. */
const ALLOWED: ReadonlyArray<readonly [OrderStatus, OrderStatus]> = [
  ['pending_payment', 'paid'],
  ['pending_payment', 'cancelled'],
  ['pending_payment', 'expired'],
  ['paid', 'fulfilled'],
  ['paid', 'cancelled'],
];

const isAllowed = (from: OrderStatus, to: OrderStatus) =>
  ALLOWED.some(([f, t]) => f === from && t === to);

const ALL_PAIRS = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('mergeOrderLines', () => {
  it('sums the quantities of a product listed twice and sorts the lines by productId', () => {
    const lines = [
      { productId: P3, quantity: 1 },
      { productId: P1, quantity: 2 },
      { productId: P3, quantity: 4 },
      { productId: P2, quantity: 5 },
    ];

    const merged = mergeOrderLines(lines);

    expect(merged).toEqual([
      { productId: P1, quantity: 2 },
      { productId: P2, quantity: 5 },
      { productId: P3, quantity: 5 },
    ]);
  });

  it('leaves its input untouched', () => {
    const lines = [
      { productId: P2, quantity: 1 },
      { productId: P1, quantity: 1 },
      { productId: P2, quantity: 3 },
    ];
    const before = structuredClone(lines);

    mergeOrderLines(lines);

    expect(lines).toEqual(before);
  });

  it('returns no lines for no lines', () => {
    expect(mergeOrderLines([])).toEqual([]);
  });

  it('keeps the total quantity of every product and returns unique productIds in ascending order, for any lines', () => {
    const line = fc.record({
      productId: fc.constantFrom(P1, P2, P3, 'a', 'B', 'b', ''),
      quantity: fc.integer({ min: 1, max: 10_000 }),
    });

    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        const merged = mergeOrderLines(lines);

        const ids = merged.map((l) => l.productId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual([...ids].sort());
        const expectedTotals = new Map<string, number>();
        for (const l of lines)
          expectedTotals.set(l.productId, (expectedTotals.get(l.productId) ?? 0) + l.quantity);
        expect(new Map(merged.map((l) => [l.productId, l.quantity]))).toEqual(expectedTotals);
      }),
    );
  });
});

describe('ORDER_MACHINE', () => {
  it('its edges are exactly the edges of SPEC.md §4', () => {
    const edges = ORDER_STATUSES.flatMap((from) =>
      ORDER_MACHINE.transitions[from].map((to) => [from, to] as const),
    );

    expect(edges).toHaveLength(ALLOWED.length);
    expect(edges.every(([from, to]) => isAllowed(from, to))).toBe(true);
  });

  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(() => assertOrderTransition(from, to)).not.toThrow();
  });

  it.each(
    ALL_PAIRS.filter(
      ([from, to]) => !isAllowed(from, to) && !(from === 'expired' && to === 'paid'),
    ),
  )('refuses %s → %s with a 409 invalid_transition naming both states', (from, to) => {
    const err = thrown(() => assertOrderTransition(from, to));

    expect(err).toBeInstanceOf(DomainError);
    const domainError = err as DomainError;
    expect(domainError.code).toBe('invalid_transition');
    expect(domainError.status).toBe(409);
    expect(domainError.extra).toEqual({ orderStatus: from, requested: to });
  });

  it('refuses to pay an expired order with order_expired, not invalid_transition', () => {
    const err = thrown(() => assertOrderTransition('expired', 'paid'));

    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('order_expired');
    expect((err as DomainError).status).toBe(409);
    expect((err as DomainError).extra).toEqual({ orderStatus: 'expired' });
  });

  it('lets no terminal state go anywhere, not even to itself', () => {
    for (const terminal of ['fulfilled', 'cancelled', 'expired'] as const) {
      for (const to of ORDER_STATUSES) {
        expect(thrown(() => assertOrderTransition(terminal, to))).toBeInstanceOf(DomainError);
      }
    }
  });
});
