import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute, query } from '../../db/transaction';
import { recordAttempts, type AttemptOutcome } from '../../db/webhook-deliveries';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';

/*
 * How one dispatcher pass stores its outcomes (SPEC.md §11 "Delivery"): one statement for all
 * of them, and the endpoint's run of failed deliveries counted in the order they finished. The
 * deliveries here carry event ids that have no event, so the endpoint's dispatcher never
 * attempts them itself: only recordAttempts writes them.
 */

const FAILURES_TO_DISABLE = 3;
let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

/** endpointWithDeliveries registers an endpoint and queues `count` pending deliveries on it. */
async function endpointWithDeliveries(count: number) {
  const endpoint = expectStatus<{ id: string }>(
    await call(stack, 'POST', '/v1/webhook-endpoints', {
      token: staff.token,
      body: { url: `http://127.0.0.1:9/${randomUUID()}`, types: ['order.placed'] },
    }),
    201,
  );
  const ids = Array.from({ length: count }, () => randomUUID());
  await execute(
    stack.db,
    `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, next_attempt_at)
     SELECT d, $1, gen_random_uuid(), 'pending', now() FROM unnest($2::uuid[]) AS d`,
    [endpoint.id, ids],
  );
  return { endpointId: endpoint.id, ids };
}

/** outcome is one attempt's result for `deliveryId`. */
function outcome(
  endpointId: string,
  deliveryId: string,
  status: AttemptOutcome['status'],
): AttemptOutcome {
  const failed = status !== 'delivered';
  return {
    deliveryId,
    endpointId,
    status,
    statusCode: failed ? 500 : 204,
    error: failed ? 'answered 500' : null,
    nextAttemptAt: status === 'pending' ? new Date(Date.now() + 60_000) : null,
  };
}

async function endpointRow(endpointId: string) {
  const [row] = await query<{
    consecutive_failures: number;
    disabled: boolean;
    disabled_reason: string | null;
  }>(
    stack.db,
    'SELECT consecutive_failures, disabled, disabled_reason FROM webhook_endpoints WHERE id = $1',
    [endpointId],
  );
  return row!;
}

async function deliveryRows(ids: string[]) {
  return query<{ id: string; status: string; attempts: number; last_status_code: number | null }>(
    stack.db,
    `SELECT id, status, attempts, last_status_code FROM webhook_deliveries
     WHERE id = ANY($1::uuid[]) ORDER BY array_position($1::uuid[], id)`,
    [ids],
  );
}

describe('recording a pass of delivery attempts', () => {
  it('when a pass ends failed, delivered, failed, then each row has its outcome and the run of failures is the one after the delivered', async () => {
    const { endpointId, ids } = await endpointWithDeliveries(3);
    const statuses = ['failed', 'delivered', 'failed'] as const;

    await recordAttempts(
      stack.db,
      endpointId,
      ids.map((id, i) => outcome(endpointId, id, statuses[i]!)),
      FAILURES_TO_DISABLE,
    );

    expect(await deliveryRows(ids)).toEqual([
      { id: ids[0], status: 'failed', attempts: 1, last_status_code: 500 },
      { id: ids[1], status: 'delivered', attempts: 1, last_status_code: 204 },
      { id: ids[2], status: 'failed', attempts: 1, last_status_code: 500 },
    ]);
    expect(await endpointRow(endpointId)).toEqual({
      consecutive_failures: 1,
      disabled: false,
      disabled_reason: null,
    });
  });

  it('when the failed deliveries of two passes reach WEBHOOK_FAILURES_TO_DISABLE in a row, then the endpoint is disabled saying why; a retry to come does not count', async () => {
    const { endpointId, ids } = await endpointWithDeliveries(4);

    await recordAttempts(
      stack.db,
      endpointId,
      [outcome(endpointId, ids[0]!, 'failed'), outcome(endpointId, ids[1]!, 'pending')],
      FAILURES_TO_DISABLE,
    );
    const afterFirst = await endpointRow(endpointId);
    await recordAttempts(
      stack.db,
      endpointId,
      [outcome(endpointId, ids[2]!, 'failed'), outcome(endpointId, ids[3]!, 'failed')],
      FAILURES_TO_DISABLE,
    );

    expect(afterFirst.consecutive_failures).toBe(1);
    expect(await endpointRow(endpointId)).toEqual({
      consecutive_failures: 3,
      disabled: true,
      disabled_reason: '3 deliveries failed in a row',
    });
    expect((await deliveryRows([ids[1]!]))[0]).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('when an outcome arrives for a delivery that is no longer pending, then it changes nothing and does not count', async () => {
    const { endpointId, ids } = await endpointWithDeliveries(1);
    await recordAttempts(
      stack.db,
      endpointId,
      [outcome(endpointId, ids[0]!, 'delivered')],
      FAILURES_TO_DISABLE,
    );

    await recordAttempts(
      stack.db,
      endpointId,
      [outcome(endpointId, ids[0]!, 'failed')],
      FAILURES_TO_DISABLE,
    );

    expect(await deliveryRows(ids)).toEqual([
      { id: ids[0], status: 'delivered', attempts: 1, last_status_code: 204 },
    ]);
    expect((await endpointRow(endpointId)).consecutive_failures).toBe(0);
  });
});
