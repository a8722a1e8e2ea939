import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { execute } from '../../db/transaction';
import { chaosOptions, runChaos } from '../../tools/chaos/harness';
import { FAULT_KINDS } from '../../tools/chaos/fault-log';
import { formatReport } from '../../tools/chaos/report';
import { openWallet, seedCatalog } from '../helpers/factories';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { seedBus } from '../helpers/travel';

/*
 * Chaos (issue 11), the short run of `npm run chaos`: the same harness (tools/chaos/)
 * on its own throwaway stack, about 30 s of the four workloads while every fault is injected,
 * then 0 anomalies. And the bug it found, pinned: a keyed write whose answer was lost.
 */

describe('chaos: the mixed workloads while the worker is killed and every dependency restarts', () => {
  it('then every acknowledged write is there once, no refusal left a trace, the invariants hold, no workflow is stuck, and the API said 503 (never 500) while /readyz said so', async () => {
    const options = chaosOptions({
      durationMs: 28_000,
      faults: ['kill', 'pg-fast', 'temporal', 'pg-immediate', 'db-pause'],
      seed: 20261129,
      short: true,
      workflowBundlePath: inject('stack').workflowBundlePath,
    });

    const report = await runChaos(options, () => {});
    console.log(formatReport(report));

    expect(report.anomalies).toEqual([]);
    for (const kind of FAULT_KINDS)
      expect(report.faults.filter((f) => f.kind === kind).length, kind).toBeGreaterThanOrEqual(1);
    expect(report.faults.filter((f) => f.error !== undefined)).toEqual([]);
    const acknowledged = Object.values(report.stats).reduce((n, s) => n + s.acknowledged, 0);
    expect(acknowledged).toBeGreaterThanOrEqual(10);
  }, 150_000);
});

/**
 * loseAnswer does to a settled Idempotency-Key what the API does when a write's answer is a
 * 503 (Temporal restarting, the database gone before the answer was stored): it releases the
 * key, so the client's retry runs the request again.
 */
async function loseAnswer(stack: TestStack, who: Actor, key: string): Promise<void> {
  await execute(stack.db, 'DELETE FROM idempotency_keys WHERE subject = $1 AND key = $2', [
    who.sub,
    key,
  ]);
}

describe('a keyed write whose answer was lost (found by the chaos run)', () => {
  it('when an order was cancelled but the answer was lost, then the retry with the same key answers 200 cancelled, and a new cancel still 409', async () => {
    const stack = await useStack();
    const [staff, buyer] = [await actor('staff'), await actor('customer')];
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 5 }] });
    const order = expectStatus<{ id: string }>(
      await call(stack, 'POST', '/v1/orders', {
        token: buyer.token,
        key: randomUUID(),
        body: { lines: [{ productId: productIds[0], quantity: 1 }] },
      }),
      201,
    );
    const key = randomUUID();
    const cancel = () =>
      call(stack, 'POST', `/v1/orders/${order.id}/cancel`, { token: buyer.token, key });
    expectStatus(await cancel(), 200);

    await loseAnswer(stack, buyer, key);
    const retried = await cancel();
    const another = await call(stack, 'POST', `/v1/orders/${order.id}/cancel`, {
      token: buyer.token,
      key: randomUUID(),
    });

    expect([retried.status, retried.body.status]).toEqual([200, 'cancelled']);
    expect([another.status, another.body.code]).toEqual([409, 'invalid_transition']);
  });

  it('when a booking was cancelled but the answer was lost, then the retry with the same key answers 200 cancelled, and a new cancel still 409', async () => {
    const stack = await useStack();
    const [staff, traveller] = [await actor('staff'), await actor('customer')];
    await openWallet(stack, staff, traveller, 0);
    const { scheduleId } = await seedBus(stack, staff, { seatCount: 2 });
    const booking = expectStatus<{ id: string }>(
      await call(stack, 'POST', '/v1/bookings', {
        token: traveller.token,
        key: randomUUID(),
        body: { scheduleId, seats: [1] },
      }),
      201,
    );
    const key = randomUUID();
    const cancel = () =>
      call(stack, 'POST', `/v1/bookings/${booking.id}/cancel`, { token: traveller.token, key });
    expectStatus(await cancel(), 200);

    await loseAnswer(stack, traveller, key);
    const retried = await cancel();
    const another = await call(stack, 'POST', `/v1/bookings/${booking.id}/cancel`, {
      token: traveller.token,
      key: randomUUID(),
    });

    expect([retried.status, retried.body.status]).toEqual([200, 'cancelled']);
    expect([another.status, another.body.code]).toEqual([409, 'invalid_transition']);
  });
});
