import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { DomainError } from './errors';
import type { OrderLineInput, OrderView, PaymentMethod, PayAtPlacement } from './orders';

/*
 * The order-gate contract (SPEC.md §8): every POST /v1/orders is a submission to the customer's
 * gate workflow `customer-<customerId>-orders`, which takes that customer's submissions one at a
 * time and refuses, before anything is written, duplicates, submissions during a backoff and
 * submissions over the per-minute throttle. The rules are pure functions of the gate's state
 * and the workflow's clock, so the workflow, its Update validator and the unit tests share them.
 * Safe for workflow code: no I/O, no zod.
 */

/** THROTTLE_WINDOW_MS is the window of ORDER_SUBMISSIONS_PER_MINUTE: one minute, sliding. */
export const THROTTLE_WINDOW_MS = 60_000;

/** ACCEPTED_SUBMISSIONS_MAX bounds the accepted submissions a gate remembers for duplicates. */
export const ACCEPTED_SUBMISSIONS_MAX = 200;

/**
 * GATE_HISTORY_EVENTS_MAX_DEFAULT is ORDER_GATE_HISTORY_MAX's default: a gate continues as new
 * at 200 history events (about 35 orders). A gate that has left the worker's cache replays its
 * whole run before its next submission, on the worker's one workflow thread, at about 0.6 ms
 * per event on the 2-core machine (docs/performance.md, "A gate that has left the cache"):
 * about 0.15 s at 200, so the 40 workflow task slots' worth of such replays fit in the 10 s
 * workflow task timeout. At 2,000 one replay took over a second, and returning customers
 * arriving together timed gate tasks out into retries that replayed again.
 */
export const GATE_HISTORY_EVENTS_MAX_DEFAULT = 200;

/**
 * GATE_ROLLING_OVER is the failure type with which a gate's Update validator turns a submission
 * away while the gate continues as new; the API sends it again and it reaches the new run.
 * Never shown to clients (after the retries run out, the answer is 503).
 */
export const GATE_ROLLING_OVER = 'gate_rolling_over';

/**
 * GatePolicy is the gate's configuration, sent with every submission so the API's current
 * configuration applies (SPEC.md §8; durations in milliseconds).
 */
export interface GatePolicy {
  /** submissionsPerMinute is ORDER_SUBMISSIONS_PER_MINUTE (3). */
  submissionsPerMinute: number;
  /**
   * throttleWindowMs is the throttle's sliding window: THROTTLE_WINDOW_MS from the API ("per
   * minute"); workflow tests shorten it.
   */
  throttleWindowMs: number;
  /** backoffBaseMs is ORDER_BACKOFF_BASE: n failures in a row refuse the next for base × 2^n. */
  backoffBaseMs: number;
  /** backoffMaxMs is ORDER_BACKOFF_MAX (60 s). */
  backoffMaxMs: number;
  /** backoffResetMs is ORDER_BACKOFF_RESET (1 h): that long without a failure resets n. */
  backoffResetMs: number;
  /** duplicateWindowMs is DUPLICATE_WINDOW (5 min). */
  duplicateWindowMs: number;
  /** historyEventsMax is ORDER_GATE_HISTORY_MAX: the history length that makes a gate continue as new. */
  historyEventsMax: number;
}

/** OrderSubmission is one POST /v1/orders, validated, as the gate receives it. */
export interface OrderSubmission {
  orderId: string;
  customerId: string;
  actorId: string;
  /** lines are merged and sorted by productId (mergeOrderLines). */
  lines: OrderLineInput[];
  paymentMethod: PaymentMethod;
  fromCart: boolean;
  /**
   * pay asks to pay the order at placement, in the placement's transaction: the wallet to debit
   * (`accountId`) for a wallet order, nothing for an allowance order. Absent: placed unpaid.
   */
  pay?: PayAtPlacement;
  /** cartHash identifies the lines (a SHA-256 hex of the merged lines), for the audit. */
  cartHash: string;
  /**
   * submissionHash identifies the whole submission for the duplicate rule: its lines, its
   * paymentMethod and its `pay` (a SHA-256 hex). Submissions recorded before it existed lack it;
   * the rule then compares cartHash (duplicateKeyOf).
   */
  submissionHash?: string;
  /** keyed: the request carried an Idempotency-Key, so §1's rules apply instead of the duplicate rule. */
  keyed: boolean;
  /** paymentTtlMs is ORDER_PAYMENT_TTL for the order placed. */
  paymentTtlMs: number;
  /** deadlineMs (epoch ms) is when the API stops waiting: later, the gate places nothing. */
  deadlineMs: number;
  policy: GatePolicy;
}

/**
 * AcceptedSubmission is a submission the gate placed: its order, its hashes (see
 * OrderSubmission), when (ms).
 */
export interface AcceptedSubmission {
  orderId: string;
  cartHash: string;
  submissionHash?: string;
  atMs: number;
}

/**
 * duplicateKeyOf is what the duplicate rule compares of a submission (SPEC.md §8): its
 * submissionHash (lines, paymentMethod and pay), or its cartHash when it was recorded before
 * submissions carried one, so a replayed history decides as it did.
 */
export function duplicateKeyOf(submission: { cartHash: string; submissionHash?: string }): string {
  return submission.submissionHash ?? submission.cartHash;
}

/**
 * GateState is everything a gate knows, carried across continue-as-new. Times are workflow
 * time in epoch milliseconds.
 */
export interface GateState {
  /** processedAtMs are the times of submissions processed within the throttle window, ascending. */
  processedAtMs: number[];
  /** consecutiveFailures is n: refused processed submissions since the last success or reset. */
  consecutiveFailures: number;
  lastFailureAtMs: number | null;
  /**
   * backoffUntilMs is set by a failure: submissions before it are refused. The gate's timer
   * clears it when it passes (a late timer never extends a backoff: the rule compares times).
   */
  backoffUntilMs: number | null;
  /** accepted are the submissions placed within the duplicate window, oldest first. */
  accepted: AcceptedSubmission[];
  lastActivityAtMs: number;
}

/**
 * RateLimitView is the throttle as the IETF RateLimit headers state it
 * (draft-ietf-httpapi-ratelimit-headers): quota per window, what is left, seconds to reset.
 */
export interface RateLimitView {
  limit: number;
  remaining: number;
  resetSeconds: number;
  windowSeconds: number;
}

/** GateAnswer is an accepted submission's answer: the placed order and the throttle after it. */
export interface GateAnswer {
  order: OrderView;
  rateLimit: RateLimitView;
}

/** OrderGateWorkflowInput starts (or continues) `customer-<id>-orders`. */
export interface OrderGateWorkflowInput {
  customerId: string;
  policy: GatePolicy;
  /** state is carried across continue-as-new; a new gate starts empty. */
  state?: GateState;
}

/** submitOrderUpdate submits one order; sent with Update-with-Start to the customer's gate. */
export const submitOrderUpdate = defineUpdate<GateAnswer, [OrderSubmission]>('submit');
/** gateStateQuery returns the gate's state (for operators and tests). */
export const gateStateQuery = defineQuery<GateState>('state');

/** newGateState is the state of a gate that has seen nothing, at `nowMs`. */
export function newGateState(nowMs: number): GateState {
  return {
    processedAtMs: [],
    consecutiveFailures: 0,
    lastFailureAtMs: null,
    backoffUntilMs: null,
    accepted: [],
    lastActivityAtMs: nowMs,
  };
}

/** backoffMs is how long n consecutive failures refuse the next: base × 2^n, at most the max. */
export function backoffMs(consecutiveFailures: number, policy: GatePolicy): number {
  const exponent = Math.min(consecutiveFailures, 40);
  return Math.min(policy.backoffBaseMs * 2 ** exponent, policy.backoffMaxMs);
}

/**
 * gateIdleMs is how long a gate waits without a submission before it closes: by then every
 * window has passed (throttle, duplicates, backoff, reset), so a new gate starting empty
 * refuses exactly what this one would have.
 */
export function gateIdleMs(policy: GatePolicy): number {
  return Math.max(
    policy.throttleWindowMs,
    policy.duplicateWindowMs,
    policy.backoffMaxMs,
    policy.backoffResetMs,
  );
}

/**
 * pruneGate forgets what no rule needs at `nowMs`: processed submissions older than the
 * throttle window, accepted ones older than the duplicate window, and the failure count after
 * `backoffResetMs` without a failure. A backoff's end is cleared by the gate's timer
 * (endBackoffIfDue); gateRefusal compares times, so a late timer never extends it.
 */
export function pruneGate(state: GateState, nowMs: number, policy: GatePolicy): GateState {
  const reset =
    state.lastFailureAtMs !== null && nowMs - state.lastFailureAtMs >= policy.backoffResetMs;
  return {
    ...state,
    processedAtMs: state.processedAtMs.filter((at) => nowMs - at < policy.throttleWindowMs),
    accepted: state.accepted.filter((a) => nowMs - a.atMs < policy.duplicateWindowMs),
    consecutiveFailures: reset ? 0 : state.consecutiveFailures,
    lastFailureAtMs: reset ? null : state.lastFailureAtMs,
  };
}

/** endBackoffIfDue clears a backoff whose end has come (run when the gate's timer fires). */
export function endBackoffIfDue(state: GateState, nowMs: number): GateState {
  if (state.backoffUntilMs === null || state.backoffUntilMs > nowMs) return state;
  return { ...state, backoffUntilMs: null };
}

/** rateLimitOf states the throttle at `nowMs`: quota, remaining, seconds until a slot frees. */
export function rateLimitOf(state: GateState, nowMs: number, policy: GatePolicy): RateLimitView {
  const inWindow = state.processedAtMs.filter((at) => nowMs - at < policy.throttleWindowMs);
  const oldest = inWindow[0];
  return {
    limit: policy.submissionsPerMinute,
    remaining: Math.max(0, policy.submissionsPerMinute - inWindow.length),
    resetSeconds: oldest === undefined ? 0 : secondsUntil(oldest + policy.throttleWindowMs, nowMs),
    windowSeconds: Math.ceil(policy.throttleWindowMs / 1000),
  };
}

/** secondsUntil is the whole seconds from `nowMs` to `atMs`, rounded up, at least 1. */
function secondsUntil(atMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((atMs - nowMs) / 1000));
}

/**
 * gateRefusal applies the gate's rules at `nowMs` in this order (SPEC.md §8): the same submission
 * (duplicateKeyOf) without an Idempotency-Key within the duplicate window → 409
 * `duplicate_submission` naming its `orderId`; a running backoff → 429 `backoff`; the throttle →
 * 429 `throttled`. All carry `rateLimit`, 429s also `retryAfterSeconds`.
 * @returns the DomainError to refuse with, or undefined when the submission may be processed.
 */
export function gateRefusal(
  state: GateState,
  submission: OrderSubmission,
  nowMs: number,
): DomainError | undefined {
  const { policy } = submission;
  const rateLimit = rateLimitOf(state, nowMs, policy);
  const duplicate = submission.keyed
    ? undefined
    : state.accepted.find(
        (a) =>
          duplicateKeyOf(a) === duplicateKeyOf(submission) &&
          nowMs - a.atMs < policy.duplicateWindowMs,
      );
  if (duplicate) {
    return new DomainError(
      'duplicate_submission',
      `The same submission was ordered ${Math.round((nowMs - duplicate.atMs) / 1000)} s ago as order ${duplicate.orderId}; send an Idempotency-Key to order them again`,
      {
        orderId: duplicate.orderId,
        duplicateWindowSeconds: policy.duplicateWindowMs / 1000,
        rateLimit,
      },
    );
  }
  if (state.backoffUntilMs !== null && state.backoffUntilMs > nowMs) {
    const retryAfterMs = state.backoffUntilMs - nowMs;
    return new DomainError(
      'backoff',
      `${state.consecutiveFailures} failed submissions in a row: wait ${secondsUntil(state.backoffUntilMs, nowMs)} s`,
      {
        retryAfterSeconds: secondsUntil(state.backoffUntilMs, nowMs),
        retryAfterMs,
        backoffMs: backoffMs(state.consecutiveFailures, policy),
        consecutiveFailures: state.consecutiveFailures,
        rateLimit,
      },
    );
  }
  if (rateLimit.remaining === 0) {
    return new DomainError(
      'throttled',
      `At most ${policy.submissionsPerMinute} order submissions a minute: wait ${rateLimit.resetSeconds} s`,
      { retryAfterSeconds: rateLimit.resetSeconds, rateLimit },
    );
  }
  return undefined;
}

/**
 * recordProcessed counts a submission the gate goes on to place, at `nowMs`. Only the last
 * `submissionsPerMinute` times matter to the throttle (whether the window is full, and when its
 * oldest slot frees), so no more are kept.
 */
export function recordProcessed(state: GateState, nowMs: number, policy: GatePolicy): GateState {
  const processedAtMs = [...state.processedAtMs, nowMs].slice(-policy.submissionsPerMinute);
  return { ...state, processedAtMs, lastActivityAtMs: nowMs };
}

/** recordAccepted notes a placed submission: n resets, the backoff ends, duplicates see it. */
export function recordAccepted(
  state: GateState,
  submission: OrderSubmission,
  nowMs: number,
): GateState {
  const { orderId, cartHash, submissionHash } = submission;
  const accepted = [
    ...state.accepted,
    { orderId, cartHash, ...(submissionHash === undefined ? {} : { submissionHash }), atMs: nowMs },
  ].slice(-ACCEPTED_SUBMISSIONS_MAX);
  return {
    ...state,
    consecutiveFailures: 0,
    lastFailureAtMs: null,
    backoffUntilMs: null,
    accepted,
    lastActivityAtMs: nowMs,
  };
}

/** recordFailed notes a refused processed submission: n grows and a backoff of base × 2^n starts. */
export function recordFailed(state: GateState, nowMs: number, policy: GatePolicy): GateState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  return {
    ...state,
    consecutiveFailures,
    lastFailureAtMs: nowMs,
    backoffUntilMs: nowMs + backoffMs(consecutiveFailures, policy),
    lastActivityAtMs: nowMs,
  };
}

/**
 * nextDeadlineMs is when the gate's one timer should fire: the end of a backoff, the reset of
 * the failure count, or the idle close, whichever comes first.
 */
export function nextDeadlineMs(state: GateState, policy: GatePolicy): number {
  const deadlines = [state.lastActivityAtMs + gateIdleMs(policy)];
  if (state.backoffUntilMs !== null) deadlines.push(state.backoffUntilMs);
  if (state.lastFailureAtMs !== null) deadlines.push(state.lastFailureAtMs + policy.backoffResetMs);
  return Math.min(...deadlines);
}

/** isGateIdle tells that a gate has nothing left to enforce and may close at `nowMs`. */
export function isGateIdle(state: GateState, nowMs: number, policy: GatePolicy): boolean {
  return state.backoffUntilMs === null && nowMs - state.lastActivityAtMs >= gateIdleMs(policy);
}
