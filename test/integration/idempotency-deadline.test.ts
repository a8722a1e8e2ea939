import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { holdRow, untilSettled, useShortDeadlineStack } from '../helpers/slow-writes';
import { seedCatalog, stockOf } from '../helpers/factories';

/*
 * A key is never released while the write it started may still happen (SPEC.md §1). These
 * requests meet a row another session holds FOR UPDATE longer than REQUEST_TIMEOUT: the client
 * gets its 503, and the retry with the same key must not write a second time.
 */

const REQUEST_TIMEOUT_MS = 1_500;
const LOCK_HELD_MS = 4_000;
/** stack answers within REQUEST_TIMEOUT_MS; `setup` (the default timeout) seeds and places. */
let stack: TestStack;
let setup: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useShortDeadlineStack(REQUEST_TIMEOUT_MS);
  setup = await useStack();
  staff = await actor('staff');
});

describe('an Idempotency-Key outlives its request’s deadline', () => {
  it('when a keyed restock times out behind a locked row and is retried with its key, then the stock grows once', async () => {
    const { productIds } = await seedCatalog(setup, staff, { products: [{ stock: 10 }] });
    const productId = productIds[0]!;
    const key = randomUUID();
    const restock = () =>
      call(stack, 'POST', `/v1/products/${productId}/restock`, {
        token: staff.token,
        key,
        body: { quantity: 5 },
      });
    const { released } = await holdRow(stack, 'products', productId, LOCK_HELD_MS);

    const timedOut = await restock();
    await released;
    const retried = await untilSettled(restock);
    const again = await restock();

    expect(timedOut.status).toBe(503);
    expect(timedOut.body.code).toBe('unavailable');
    expect(retried.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await stockOf(stack, productId)).stockOnHand).toBe(15);
  });

  it('when a keyed cancel outlives its deadline in the workflow, then retries meanwhile get 409 idempotency_in_progress with Retry-After and later the one outcome, replayed', async () => {
    const { productIds } = await seedCatalog(setup, staff, { products: [{ stock: 3 }] });
    const buyer = await actor('customer');
    const order = expectStatus(
      await call(setup, 'POST', '/v1/orders', {
        token: buyer.token,
        body: { lines: [{ productId: productIds[0], quantity: 1 }] },
      }),
      201,
    );
    const key = randomUUID();
    const cancel = () =>
      call(stack, 'POST', `/v1/orders/${order.id}/cancel`, { token: buyer.token, key });
    const { released } = await holdRow(stack, 'orders', order.id, LOCK_HELD_MS);

    const timedOut = await cancel();
    const meanwhile = await cancel();
    await released;
    const after = await untilSettled(cancel);

    expect(timedOut.status).toBe(503);
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.code).toBe('idempotency_in_progress');
    expect(meanwhile.headers.get('retry-after')).toBe('1');
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('cancelled');
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    expect(await stockOf(stack, productIds[0]!)).toEqual({ stockOnHand: 3, reserved: 0 });
  });
});
