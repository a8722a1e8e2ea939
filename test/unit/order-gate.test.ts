import { describe, expect, it } from 'vitest';
import { submissionHashOf } from '../../api/orders/submission';
import {
  backoffMs,
  duplicateKeyOf,
  endBackoffIfDue,
  gateIdleMs,
  gateRefusal,
  isGateIdle,
  newGateState,
  nextDeadlineMs,
  pruneGate,
  rateLimitOf,
  recordAccepted,
  recordFailed,
  recordProcessed,
  type GatePolicy,
  type OrderSubmission,
} from '../../domain/order-gate';

const POLICY: GatePolicy = {
  submissionsPerMinute: 3,
  throttleWindowMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  backoffResetMs: 3_600_000,
  duplicateWindowMs: 300_000,
  historyEventsMax: 2_000,
};

function submission(overrides: Partial<OrderSubmission> = {}): OrderSubmission {
  return {
    orderId: 'order-1',
    customerId: 'customer-1',
    actorId: 'customer-1',
    lines: [{ productId: 'p1', quantity: 1 }],
    paymentMethod: 'wallet',
    fromCart: false,
    cartHash: 'hash-1',
    keyed: false,
    paymentTtlMs: 900_000,
    deadlineMs: Number.MAX_SAFE_INTEGER,
    policy: POLICY,
    ...overrides,
  };
}

describe('the gate throttle (SPEC §8: ORDER_SUBMISSIONS_PER_MINUTE)', () => {
  it('lets 3 submissions through in a minute and refuses the 4th with the seconds until a slot frees', () => {
    let state = newGateState(0);
    for (const at of [0, 10_000, 20_000]) {
      expect(gateRefusal(state, submission({ cartHash: `h${at}` }), at)).toBeUndefined();
      state = recordProcessed(state, at, POLICY);
    }
    const refusal = gateRefusal(state, submission({ cartHash: 'other' }), 30_000);
    expect(refusal?.code).toBe('throttled');
    expect(refusal?.status).toBe(429);
    expect(refusal?.extra.retryAfterSeconds).toBe(30);
    expect(refusal?.extra.rateLimit).toEqual({
      limit: 3,
      remaining: 0,
      resetSeconds: 30,
      windowSeconds: 60,
    });
  });

  it('keeps only as many submission times as the limit', () => {
    let state = newGateState(0);
    for (const at of [0, 1, 2, 3, 4]) state = recordProcessed(state, at, POLICY);
    expect(state.processedAtMs).toEqual([2, 3, 4]);
  });

  it('slides: a minute after the first submission a slot is free again', () => {
    let state = newGateState(0);
    for (const at of [0, 10_000, 20_000]) state = recordProcessed(state, at, POLICY);
    const later = pruneGate(state, 60_000, POLICY);
    expect(later.processedAtMs).toEqual([10_000, 20_000]);
    expect(gateRefusal(later, submission({ cartHash: 'x' }), 60_000)).toBeUndefined();
    expect(rateLimitOf(later, 60_000, POLICY)).toMatchObject({ remaining: 1, resetSeconds: 10 });
  });
});

describe('the gate backoff (SPEC §8: 2^n s after n failures, at most 60 s, reset by a success or 1 h)', () => {
  it('doubles with each consecutive failure and stops at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, POLICY))).toEqual([
      2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('refuses during a backoff with Retry-After, and the timer ends it', () => {
    const failed = recordFailed(newGateState(0), 1_000, POLICY);
    expect(failed.backoffUntilMs).toBe(3_000);
    const refusal = gateRefusal(failed, submission(), 1_500);
    expect(refusal?.code).toBe('backoff');
    expect(refusal?.extra).toMatchObject({
      retryAfterSeconds: 2,
      retryAfterMs: 1_500,
      backoffMs: 2_000,
      consecutiveFailures: 1,
    });
    expect(nextDeadlineMs(failed, POLICY)).toBe(3_000);
    expect(gateRefusal(failed, submission(), 2_999)?.code).toBe('backoff');
    // A timer that fires late does not make the backoff longer.
    expect(gateRefusal(failed, submission(), 3_000)).toBeUndefined();
    expect(endBackoffIfDue(failed, 2_999).backoffUntilMs).toBe(3_000);
    expect(endBackoffIfDue(failed, 3_000).backoffUntilMs).toBeNull();
  });

  it('resets the failure count after a success', () => {
    const twice = recordFailed(recordFailed(newGateState(0), 0, POLICY), 10_000, POLICY);
    expect(twice.consecutiveFailures).toBe(2);
    const accepted = recordAccepted(twice, submission(), 20_000);
    expect(accepted).toMatchObject({ consecutiveFailures: 0, backoffUntilMs: null });
    expect(recordFailed(accepted, 30_000, POLICY).backoffUntilMs).toBe(32_000);
  });

  it('resets the failure count after ORDER_BACKOFF_RESET without a failure', () => {
    const twice = recordFailed(recordFailed(newGateState(0), 0, POLICY), 10_000, POLICY);
    expect(pruneGate(twice, 10_000 + 3_599_999, POLICY).consecutiveFailures).toBe(2);
    expect(pruneGate(twice, 10_000 + 3_600_000, POLICY).consecutiveFailures).toBe(0);
  });
});

describe('the duplicate rule (SPEC §8: same lines within 5 min without an Idempotency-Key)', () => {
  it('refuses the same cart without a key and names the existing order', () => {
    const state = recordAccepted(newGateState(0), submission({ orderId: 'first' }), 0);
    const refusal = gateRefusal(state, submission({ orderId: 'second' }), 299_000);
    expect(refusal?.code).toBe('duplicate_submission');
    expect(refusal?.status).toBe(409);
    expect(refusal?.extra.orderId).toBe('first');
  });

  it('lets the same cart through with a key, after the window, or with other lines', () => {
    const state = recordAccepted(newGateState(0), submission({ orderId: 'first' }), 0);
    expect(gateRefusal(state, submission({ keyed: true }), 1_000)).toBeUndefined();
    expect(gateRefusal(state, submission({ cartHash: 'other' }), 1_000)).toBeUndefined();
    expect(gateRefusal(pruneGate(state, 300_000, POLICY), submission(), 300_000)).toBeUndefined();
  });

  it('answers a duplicate before a backoff or the throttle', () => {
    let state = recordAccepted(newGateState(0), submission({ orderId: 'first' }), 0);
    state = recordFailed(recordProcessed(recordProcessed(state, 1, POLICY), 2, POLICY), 3, POLICY);
    expect(gateRefusal(state, submission(), 4)?.code).toBe('duplicate_submission');
    expect(gateRefusal(state, submission({ cartHash: 'x' }), 4)?.code).toBe('backoff');
  });
});

describe('the duplicate rule compares the whole submission (lines, paymentMethod and pay)', () => {
  it('lets the same lines through when they are to be paid otherwise, and refuses the same whole submission', () => {
    const first = submission({ orderId: 'first', submissionHash: 'lines+unpaid' });
    const state = recordAccepted(newGateState(0), first, 0);
    expect(state.accepted[0]).toMatchObject({ cartHash: 'hash-1', submissionHash: 'lines+unpaid' });
    expect(gateRefusal(state, submission({ submissionHash: 'lines+paid' }), 1_000)).toBeUndefined();
    const again = gateRefusal(state, submission({ submissionHash: 'lines+unpaid' }), 1_000);
    expect(again?.extra.orderId).toBe('first');
  });

  it('compares cart hashes where a recorded submission carries no submission hash', () => {
    const state = recordAccepted(newGateState(0), submission({ orderId: 'first' }), 0);
    expect(state.accepted[0]).not.toHaveProperty('submissionHash');
    expect(duplicateKeyOf(state.accepted[0]!)).toBe('hash-1');
    expect(gateRefusal(state, submission(), 1_000)?.code).toBe('duplicate_submission');
  });
});

describe('submissionHashOf', () => {
  const lines = [
    { productId: 'b', quantity: 1 },
    { productId: 'a', quantity: 2 },
  ];

  it('hashes the merged lines with how they are paid', () => {
    const hash = (input: Partial<Parameters<typeof submissionHashOf>[0]>) =>
      submissionHashOf({ lines, paymentMethod: 'wallet', pay: undefined, ...input });
    const reordered = [lines[1]!, { productId: 'b', quantity: 1 }];
    expect(hash({ lines: reordered })).toBe(hash({}));
    expect(hash({})).toMatch(/^[0-9a-f]{64}$/);
    expect(hash({ paymentMethod: 'allowance' })).not.toBe(hash({}));
    expect(hash({ pay: { accountId: 'w1' } })).not.toBe(hash({}));
    expect(hash({ pay: { accountId: 'w1' } })).not.toBe(hash({ pay: { accountId: 'w2' } }));
    expect(hash({ paymentMethod: 'allowance', pay: {} })).not.toBe(
      hash({ paymentMethod: 'allowance' }),
    );
  });
});

describe('the gate closing when idle', () => {
  it('waits out every window and any backoff before it may close', () => {
    expect(gateIdleMs(POLICY)).toBe(3_600_000);
    const state = recordProcessed(newGateState(0), 0, POLICY);
    expect(isGateIdle(state, 3_599_999, POLICY)).toBe(false);
    expect(isGateIdle(state, 3_600_000, POLICY)).toBe(true);
    const failed = recordFailed(state, 0, { ...POLICY, backoffResetMs: 1 });
    expect(isGateIdle(failed, 3_600_000, POLICY)).toBe(false);
  });
});
