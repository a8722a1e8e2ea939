import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PlaceGatedOrderInput } from '../activities/order-gate';
import {
  endBackoffIfDue,
  GATE_ROLLING_OVER,
  gateRefusal,
  gateStateQuery,
  isGateIdle,
  newGateState,
  nextDeadlineMs,
  pruneGate,
  rateLimitOf,
  recordAccepted,
  recordFailed,
  recordProcessed,
  submitOrderUpdate,
  type GateAnswer,
  type GatePolicy,
  type GateState,
  type OrderGateWorkflowInput,
  type OrderSubmission,
  type RateLimitView,
} from '../domain/order-gate';
import { workflowIds } from '../domain/workflow-ids';
import { DB_ACTIVITY_OPTIONS, Mutex, refuse, toRefusal, type Refusal } from './kit';

/**
 * GATE_PLACEMENT_OPTIONS run the gate's placement as a local activity, retried without a bound:
 * once an order is placed its lifecycle workflow must be started, so only the activity itself
 * gives up, by refusing `unavailable` when the submission's deadline passed with nothing placed.
 */
const GATE_PLACEMENT_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: DB_ACTIVITY_OPTIONS.startToCloseTimeout,
  // No maximumAttempts: unlimited (see above).
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '2s' },
  localRetryThreshold: '2s',
};

const localActs = proxyLocalActivities<Activities>(GATE_PLACEMENT_OPTIONS);

/**
 * orderGateWorkflow (`customer-<customerId>-orders`) is one customer's order gate (SPEC.md §8):
 * each POST /v1/orders is a `submit` Update run one at a time, refused before any write for a
 * keyless duplicate, a backoff or the throttle, else placed (and paid) by a local activity that
 * starts `order-<id>`. The validator refuses what state already refuses, so those write no history.
 * One timer ends backoffs and closes an idle gate; continues as new at `policy.historyEventsMax`.
 */
export async function orderGateWorkflow(input: OrderGateWorkflowInput): Promise<void> {
  const gate = new OrderGate(input);
  setHandler(submitOrderUpdate, (submission) => gate.submit(submission), {
    validator: (submission) => gate.validate(submission),
  });
  setHandler(gateStateQuery, () => gate.state);
  if ((await gate.runUntilIdle()) === 'idle') return;
  gate.rollingOver = true;
  // New submissions are turned away now; let the accepted ones finish, then carry the state.
  while (!allHandlersFinished()) await condition(allHandlersFinished);
  await continueAsNew<typeof orderGateWorkflow>({
    customerId: input.customerId,
    policy: gate.policy,
    state: gate.state,
  });
}

/** OrderGate is the gate's state and its two entry points, the validator and the handler. */
class OrderGate {
  state: GateState;
  policy: GatePolicy;
  /** rollingOver: the gate is about to continue as new and takes no new submission. */
  rollingOver = false;
  private readonly queue = new Mutex();
  /** armedDeadlineMs is when the running timer fires; a failure due earlier wakes the loop. */
  private armedDeadlineMs = Number.POSITIVE_INFINITY;
  private wake = false;

  constructor(input: OrderGateWorkflowInput) {
    this.state = input.state ?? newGateState(Date.now());
    this.policy = input.policy;
  }

  /**
   * validate refuses, without a trace in history, a submission that the state refuses as it
   * stands (the handler checks again in turn, since the state changes while it waits).
   * @throws Refusal `duplicate_submission`, `backoff`, `throttled`, or GATE_ROLLING_OVER.
   */
  validate(submission: OrderSubmission): void {
    if (this.rollingOver) {
      throw ApplicationFailure.create({
        type: GATE_ROLLING_OVER,
        message: 'the gate is continuing as new; send the submission again',
        nonRetryable: true,
      });
    }
    if (this.wasAccepted(submission.orderId)) return;
    const nowMs = Date.now();
    const refusal = gateRefusal(pruneGate(this.state, nowMs, submission.policy), submission, nowMs);
    if (refusal) throw refusal.toFailure();
  }

  /** submit processes one submission after those before it. @throws its Refusal. */
  submit(submission: OrderSubmission): Promise<GateAnswer> {
    return this.queue.runExclusive(() => this.process(submission));
  }

  /**
   * process applies the rules at the workflow's current time, then places the order. A
   * submission whose order this gate already placed (a retry with the same Idempotency-Key)
   * skips the rules and gets the order again. A refused placement counts as a failure (backoff);
   * `unavailable` does not, since the customer did nothing wrong.
   */
  private async process(submission: OrderSubmission): Promise<GateAnswer> {
    const nowMs = Date.now();
    this.policy = submission.policy;
    this.state = pruneGate(this.state, nowMs, this.policy);
    const resubmitted = this.wasAccepted(submission.orderId);
    if (!resubmitted) {
      if (nowMs > submission.deadlineMs)
        throw refuse('unavailable', 'The submission waited past its deadline; send it again');
      const refusal = gateRefusal(this.state, submission, nowMs);
      if (refusal) throw refusal.toFailure();
      this.state = recordProcessed(this.state, nowMs, this.policy);
    }
    try {
      const order = await localActs.placeGatedOrder(placementOf(submission));
      if (!resubmitted) this.state = recordAccepted(this.state, submission, nowMs);
      return { order, rateLimit: rateLimitOf(this.state, Date.now(), this.policy) };
    } catch (err) {
      const refusal = toRefusal(err);
      if (refusal.type !== 'unavailable') this.fail(Date.now());
      throw withRateLimit(refusal, rateLimitOf(this.state, Date.now(), this.policy));
    }
  }

  /** fail records a failed submission and wakes the timer loop when its backoff ends sooner. */
  private fail(nowMs: number): void {
    this.state = recordFailed(this.state, nowMs, this.policy);
    if (nextDeadlineMs(this.state, this.policy) < this.armedDeadlineMs) this.wake = true;
  }

  private wasAccepted(orderId: string): boolean {
    return this.state.accepted.some((a) => a.orderId === orderId);
  }

  /**
   * runUntilIdle runs the gate's one timer: it fires at the next deadline (backoff end, failure
   * reset, idle close), then the gate ends the backoff, prunes, and closes when idle. It returns
   * 'roll over' as soon as the history is long enough to continue as new.
   */
  async runUntilIdle(): Promise<'idle' | 'roll over'> {
    for (;;) {
      this.armedDeadlineMs = nextDeadlineMs(this.state, this.policy);
      this.wake = false;
      await condition(
        () => this.wake || this.historyFull(),
        Math.max(1, this.armedDeadlineMs - Date.now()),
      );
      if (this.historyFull()) return 'roll over';
      const nowMs = Date.now();
      this.state = pruneGate(endBackoffIfDue(this.state, nowMs), nowMs, this.policy);
      if (isGateIdle(this.state, nowMs, this.policy) && allHandlersFinished()) return 'idle';
    }
  }

  private historyFull(): boolean {
    const info = workflowInfo();
    return info.historyLength >= this.policy.historyEventsMax || info.continueAsNewSuggested;
  }
}

/** placementOf is the gate's placement activity input for a submission. */
function placementOf(submission: OrderSubmission): PlaceGatedOrderInput {
  return {
    orderId: submission.orderId,
    customerId: submission.customerId,
    actorId: submission.actorId,
    workflowId: workflowIds.order(submission.orderId),
    lines: submission.lines,
    paymentMethod: submission.paymentMethod,
    paymentTtlMs: submission.paymentTtlMs,
    fromCart: submission.fromCart,
    // Paid in the placement's transaction, so a refused payment refuses the order (SPEC.md §4).
    ...(submission.pay ? { pay: { ...submission.pay, actorId: submission.actorId } } : {}),
    deadlineMs: submission.deadlineMs,
  };
}

/** withRateLimit adds the throttle's state to a Refusal's extras, for the RateLimit headers. */
function withRateLimit(refusal: Refusal, rateLimit: RateLimitView): Refusal {
  const extra = (refusal.details?.[0] ?? {}) as Record<string, unknown>;
  return ApplicationFailure.create({
    type: refusal.type ?? 'unavailable',
    message: refusal.message,
    nonRetryable: true,
    details: [{ ...extra, rateLimit: extra.rateLimit ?? rateLimit }],
  });
}
