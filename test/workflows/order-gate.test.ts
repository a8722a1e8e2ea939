import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PlaceGatedOrderInput } from '../../activities/order-gate';
import { DomainError } from '../../domain/errors';
import {
  gateStateQuery,
  submitOrderUpdate,
  type GateAnswer,
  type GatePolicy,
  type OrderSubmission,
} from '../../domain/order-gate';
import type { OrderView } from '../../domain/orders';
import { workflowIds } from '../../domain/workflow-ids';
import { orderGateWorkflow } from '../../workflows/order-gate';
import {
  ActivityLog,
  rejectionOf,
  updateWithStart,
  useWorkflowWorker,
} from '../helpers/workflow-worker';

/*
 * orderGateWorkflow with a mocked placement activity: what only the gate decides. Submissions
 * run one at a time; the throttle, the backoff and the duplicate rule refuse before placement;
 * the validator's refusals leave no history; the state survives continue-as-new; an idle gate
 * closes and the next submission starts a new one.
 */

const PLACEMENT_MS = 30;
const log = new ActivityLog();
/** placements records each mocked placement's [start, end] in ms, per customer. */
const placements = new Map<string, { startMs: number; endMs: number }[]>();
/** refusing holds the order IDs whose placement is refused, with the refusal. */
const refusing = new Map<string, DomainError>();

const env = useWorkflowWorker({
  taskQueuePrefix: 'wf-order-gate',
  activities: log.record({
    async placeGatedOrder(input) {
      const startMs = Date.now();
      await new Promise((resolve) => setTimeout(resolve, PLACEMENT_MS));
      const spans = placements.get(input.customerId) ?? [];
      spans.push({ startMs, endMs: Date.now() });
      placements.set(input.customerId, spans);
      const refusal = refusing.get(input.orderId);
      if (refusal) throw refusal.toFailure();
      return placedOrder(input);
    },
  }),
});

const POLICY: GatePolicy = {
  submissionsPerMinute: 100,
  throttleWindowMs: 60_000,
  backoffBaseMs: 200,
  backoffMaxMs: 800,
  backoffResetMs: 60_000,
  duplicateWindowMs: 60_000,
  historyEventsMax: 2_000,
};

function placedOrder(input: PlaceGatedOrderInput): OrderView {
  const at = new Date().toISOString();
  return {
    id: input.orderId,
    customerId: input.customerId,
    status: 'pending_payment',
    paymentMethod: input.paymentMethod,
    lines: input.lines.map((line) => ({ ...line, priceMinor: 100 })),
    totalMinor: input.lines.reduce((sum, line) => sum + line.quantity * 100, 0),
    currency: 'EUR',
    workflowId: input.workflowId,
    paymentAccountId: null,
    paymentTransferId: null,
    refundTransferId: null,
    reservedAt: at,
    expiresAt: at,
    paidAt: null,
    fulfilledAt: null,
    cancelledAt: null,
    expiredAt: null,
    createdAt: at,
  };
}

/** submission is one submission of `customerId` with lines of its own unless `cartHash` is given. */
function submission(
  customerId: string,
  overrides: Partial<OrderSubmission> = {},
  policy: Partial<GatePolicy> = {},
): OrderSubmission {
  const orderId = overrides.orderId ?? randomUUID();
  return {
    orderId,
    customerId,
    actorId: customerId,
    lines: [{ productId: randomUUID(), quantity: 1 }],
    paymentMethod: 'wallet',
    fromCart: false,
    cartHash: `cart-${orderId}`,
    keyed: false,
    paymentTtlMs: 60_000,
    deadlineMs: Date.now() + 30_000,
    policy: { ...POLICY, ...policy },
    ...overrides,
  };
}

/** submit sends one submission to the customer's gate by Update-with-Start, as the API does. */
function submit(input: OrderSubmission): Promise<GateAnswer> {
  return updateWithStart(env, {
    workflow: orderGateWorkflow,
    workflowId: workflowIds.customerOrders(input.customerId),
    args: [{ customerId: input.customerId, policy: input.policy }],
    update: submitOrderUpdate,
    updateArgs: [input],
    reusePolicy: 'ALLOW_DUPLICATE',
  });
}

/** outcomeOf is a submission's answer: 'accepted', or the code of its refusal. */
async function outcomeOf(pending: Promise<GateAnswer>): Promise<string> {
  try {
    await pending;
    return 'accepted';
  } catch (error) {
    return (await rejectionOf(Promise.reject(error))).refusal?.code ?? String(error);
  }
}

function gateOf(customerId: string) {
  return env.client.workflow.getHandle(workflowIds.customerOrders(customerId));
}

describe('the order gate with a mocked placement', () => {
  it('when 8 submissions of one customer arrive at once, then their placements run one at a time', async () => {
    const customerId = randomUUID();

    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => outcomeOf(submit(submission(customerId)))),
    );

    expect(outcomes).toEqual(Array(8).fill('accepted'));
    const spans = placements.get(customerId)!.sort((a, b) => a.startMs - b.startMs);
    expect(spans).toHaveLength(8);
    for (let i = 1; i < spans.length; i += 1)
      expect(spans[i]!.startMs).toBeGreaterThanOrEqual(spans[i - 1]!.endMs);
  });

  it('when 6 arrive at once with a limit of 3 a minute, then 3 are placed and 3 throttled with a Retry-After', async () => {
    const customerId = randomUUID();
    const policy = { submissionsPerMinute: 3 };

    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        rejectionOf(submit(submission(customerId, {}, policy))).catch(() => undefined),
      ),
    );

    const refusals = results.filter((r) => r !== undefined).map((r) => r!.refusal!);
    expect(refusals).toHaveLength(3);
    for (const refusal of refusals) {
      expect(refusal.code).toBe('throttled');
      expect(refusal.extra.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(refusal.extra.rateLimit).toMatchObject({ limit: 3, remaining: 0, windowSeconds: 60 });
    }
    expect(placements.get(customerId)).toHaveLength(3);
  });

  it('when the state already refuses a submission, then its validator turns it away and history does not grow', async () => {
    const customerId = randomUUID();
    const policy = { submissionsPerMinute: 1 };
    await submit(submission(customerId, {}, policy));
    const before = (await gateOf(customerId).fetchHistory()).events!.length;

    const refused = await rejectionOf(submit(submission(customerId, {}, policy)));

    expect(refused.refusal?.code).toBe('throttled');
    expect((await gateOf(customerId).fetchHistory()).events!.length).toBe(before);
  });

  it('when placements fail in a row, then each refuses the next for base × 2^n up to the maximum, and a success resets n', async () => {
    const customerId = randomUUID();
    const backoffs: number[] = [];
    for (let failure = 0; failure < 3; failure += 1) {
      const failing = submission(customerId);
      refusing.set(failing.orderId, new DomainError('insufficient_stock', 'none left'));
      expect(await outcomeOf(submitWhenNoBackoff(failing))).toBe('insufficient_stock');
      const refused = await rejectionOf(submit(submission(customerId)));
      expect(refused.refusal?.code).toBe('backoff');
      backoffs.push(refused.refusal!.extra.backoffMs as number);
    }
    expect(backoffs).toEqual([400, 800, 800]);

    expect(await outcomeOf(submitWhenNoBackoff(submission(customerId)))).toBe('accepted');
    const failing = submission(customerId);
    refusing.set(failing.orderId, new DomainError('insufficient_stock', 'none left'));
    await outcomeOf(submit(failing));
    const refused = await rejectionOf(submit(submission(customerId)));
    expect(refused.refusal?.extra).toMatchObject({ backoffMs: 400, consecutiveFailures: 1 });
  });

  it('when a placement is unavailable (infrastructure), then no backoff starts', async () => {
    const customerId = randomUUID();
    const failing = submission(customerId);
    refusing.set(failing.orderId, new DomainError('unavailable', 'the database is down'));

    expect(await outcomeOf(submit(failing))).toBe('unavailable');
    expect(await outcomeOf(submit(submission(customerId)))).toBe('accepted');
  });

  it('when the same lines come again without a key, then the gate names the first order; with a key they are placed', async () => {
    const customerId = randomUUID();
    const first = await submit(submission(customerId, { cartHash: 'same-lines' }));

    const again = await rejectionOf(submit(submission(customerId, { cartHash: 'same-lines' })));
    const keyed = await submit(submission(customerId, { cartHash: 'same-lines', keyed: true }));

    expect(again.refusal?.code).toBe('duplicate_submission');
    expect(again.refusal?.extra.orderId).toBe(first.order.id);
    expect(keyed.order.id).not.toBe(first.order.id);
  });

  it('when a submission asks to pay, then its placement pays in the same activity, on behalf of its actor', async () => {
    const customerId = randomUUID();
    const accountId = randomUUID();
    const paying = submission(customerId, { pay: { accountId } });
    const unpaid = submission(customerId);

    await submit(paying);
    await submit(unpaid);

    expect(log.inputsOf('placeGatedOrder', paying.orderId)[0]?.pay).toEqual({
      accountId,
      actorId: customerId,
    });
    expect(log.inputsOf('placeGatedOrder', unpaid.orderId)[0]).not.toHaveProperty('pay');
  });

  it('when an accepted order is submitted again (a retried key), then it is answered again without a throttle slot', async () => {
    const customerId = randomUUID();
    const policy = { submissionsPerMinute: 1 };
    const first = await submit(submission(customerId, { keyed: true }, policy));

    const retried = await submit(
      submission(customerId, { orderId: first.order.id, keyed: true }, policy),
    );

    expect(retried.order.id).toBe(first.order.id);
    expect(retried.rateLimit.remaining).toBe(0);
    expect(log.inputsOf('placeGatedOrder', first.order.id)).toHaveLength(2);
  });

  it('when a submission reaches the gate after its deadline, then nothing is placed', async () => {
    const customerId = randomUUID();
    const late = submission(customerId, { deadlineMs: Date.now() - 1 });

    expect(await outcomeOf(submit(late))).toBe('unavailable');
    expect(log.inputsOf('placeGatedOrder', late.orderId)).toHaveLength(0);
  });

  it('when its history reaches the threshold under load, then the gate continues as new, carrying its state and losing no submission', async () => {
    const customerId = randomUUID();
    const policy = { historyEventsMax: 25 };
    const sent: OrderSubmission[] = [];
    for (let wave = 0; wave < 4; wave += 1) {
      const batch = Array.from({ length: 6 }, () =>
        submission(customerId, { keyed: true }, policy),
      );
      sent.push(...batch);
      expect(await Promise.all(batch.map((s) => outcomeOf(submit(s))))).toEqual(
        Array(6).fill('accepted'),
      );
    }

    for (const s of sent) expect(log.inputsOf('placeGatedOrder', s.orderId)).toHaveLength(1);
    const handle = gateOf(customerId);
    const firstEvent = (await handle.fetchHistory()).events![0]!;
    expect(
      firstEvent.workflowExecutionStartedEventAttributes?.continuedExecutionRunId,
    ).toBeTruthy();
    const state = await handle.query(gateStateQuery);
    expect(state.processedAtMs).toHaveLength(24);
    expect(state.accepted.map((a) => a.orderId).sort()).toEqual(sent.map((s) => s.orderId).sort());
  });

  it('when a gate has nothing left to enforce, then it closes, and the next submission starts a new one', async () => {
    const customerId = randomUUID();
    const shortWindows = {
      throttleWindowMs: 300,
      duplicateWindowMs: 300,
      backoffMaxMs: 300,
      backoffResetMs: 300,
    };
    await submit(submission(customerId, {}, shortWindows));
    const firstRun = await gateOf(customerId).describe();

    await gateOf(customerId).result();
    const next = await submit(submission(customerId, {}, shortWindows));

    expect(next.order.status).toBe('pending_payment');
    expect((await gateOf(customerId).describe()).runId).not.toBe(firstRun.runId);
  });
});

/** submitWhenNoBackoff sends `input`, again every 50 ms while the gate answers `backoff` (≤ 5 s). */
async function submitWhenNoBackoff(input: OrderSubmission): Promise<GateAnswer> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return await submit({ ...input, deadlineMs: Date.now() + 30_000 });
    } catch (error) {
      const { refusal } = await rejectionOf(Promise.reject(error));
      if (refusal?.code !== 'backoff' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
