import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { toProblem } from '../../api/middleware/errors';
import { isLimitedWrite } from '../../api/middleware/write-limit';
import { assertHoldRoom, holdUnitsOf, type HoldRequest } from '../../domain/bookings';
import { DomainError } from '../../domain/errors';
import { createLogger } from '../../lib/logger';

/*
 * The pure rules of SPEC.md §10's limits: what a hold counts, when a placement passes
 * BOOKING_HELD_UNITS_MAX, which requests WRITES_PER_MINUTE counts, and how a 429 made in an
 * activity gets its Retry-After.
 */

const SEATS: HoldRequest = { kind: 'seat', scheduleId: 'schedule', seats: [4, 5, 5] };
const STAY: HoldRequest = {
  kind: 'stay',
  roomTypeId: 'room-type',
  checkIn: '2030-01-30',
  checkOut: '2030-02-02',
};

/** refusalOf returns what assertHoldRoom throws for `input`, or undefined when it lets it through. */
function refusalOf(input: Parameters<typeof assertHoldRoom>[0]): DomainError | undefined {
  try {
    assertHoldRoom(input);
    return undefined;
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
}

describe('holdUnitsOf', () => {
  it('counts distinct seats, and the nights of a stay across a month end', () => {
    expect(holdUnitsOf(SEATS)).toBe(2);
    expect(holdUnitsOf(STAY)).toBe(3);
  });
});

describe('assertHoldRoom (BOOKING_HELD_UNITS_MAX)', () => {
  const base = { heldUnitsMax: 10, earliestExpirySeconds: 42 };

  it('lets a placement through up to the limit exactly', () => {
    expect(refusalOf({ ...base, heldUnits: 8, hold: SEATS })).toBeUndefined();
    expect(refusalOf({ ...base, heldUnits: 0, earliestExpirySeconds: null, hold: STAY })).toBe(
      undefined,
    );
  });

  it('refuses one unit past it with 429 hold_limit and the seconds until the earliest hold expires', () => {
    const refusal = refusalOf({ ...base, heldUnits: 9, hold: SEATS });

    expect(refusal?.code).toBe('hold_limit');
    expect(refusal?.status).toBe(429);
    expect(refusal?.extra).toEqual({
      heldUnits: 9,
      requestedUnits: 2,
      heldUnitsMax: 10,
      retryAfterSeconds: 42,
    });
  });

  it('refuses a request larger than the limit alone with 422, since waiting never helps', () => {
    const refusal = refusalOf({ ...base, heldUnitsMax: 2, heldUnits: 0, hold: STAY });

    expect(refusal?.code).toBe('validation_failed');
    expect(refusal?.extra.errors).toEqual([
      expect.objectContaining({ path: 'checkOut', message: expect.stringContaining('2') }),
    ]);
  });
});

describe('isLimitedWrite (WRITES_PER_MINUTE)', () => {
  it.each([
    ['POST', '/v1/cart/items', true],
    ['PUT', '/v1/cart/items/x', true],
    ['DELETE', '/v1/bookings/x', true],
    ['POST', '/v1/orders/x/pay', true],
    ['POST', '/v1/orders/x/cancel', true],
    ['POST', '/v1/orders', false],
    ['GET', '/v1/orders', false],
    ['HEAD', '/v1/cart', false],
    ['OPTIONS', '/v1/cart/items', false],
  ])('%s %s counts: %s', (method, path, counted) => {
    expect(isLimitedWrite(method, path)).toBe(counted);
  });
});

describe('a 429 refusal that crossed Temporal', () => {
  it('gets Retry-After from its retryAfterSeconds', async () => {
    const app = new Hono();
    app.onError((err, c) => toProblem(err, c, createLogger({ level: 'silent' })));
    app.get('/', () => {
      throw new DomainError('hold_limit', 'full', { retryAfterSeconds: 17 });
    });

    const res = await app.request('/');

    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('17');
    expect(await res.json()).toMatchObject({ code: 'hold_limit', retryAfterSeconds: 17 });
  });
});
