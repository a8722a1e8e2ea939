import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../db/transaction';
import { webhookTaskQueueOf } from '../../domain/webhook-delivery';
import { workflowIds } from '../../domain/workflow-ids';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { openWallet, seedCatalog, waitFor } from '../helpers/factories';

/*
 * Webhook delivery (SPEC.md §11) on the real stack, to real HTTP receivers on 127.0.0.1: signed
 * per Standard Webhooks, retried with the same webhook-id after a 500, a timeout or a closed
 * connection, nothing for a disabled endpoint, redelivery, secret rotation, and an endpoint
 * disabled after failed deliveries. The test worker retries within seconds
 * (TEST_WEBHOOK_DELIVERY: 200 ms doubling to 1 s, giving up after 8 s, 3 failures disable).
 * Each endpoint is an operator's, so it gets only its own seller's events.
 */

let stack: TestStack;
let staff: Actor;
const servers: Server[] = [];

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Received is one request a receiver got. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Misbehaviour is how a receiver answers its first `times` requests before it answers 204. */
type Misbehaviour = { kind: 'ok' } | { kind: '500' | 'hang' | 'close'; times: number };

/** receiver starts an HTTP server on 127.0.0.1 that records every request it completes. */
async function receiver(misbehave: Misbehaviour = { kind: 'ok' }) {
  const received: Received[] = [];
  let seen = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen += 1;
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body });
      if (misbehave.kind !== 'ok' && seen <= misbehave.times) {
        if (misbehave.kind === '500') res.writeHead(500).end('no');
        else if (misbehave.kind === 'close') req.socket.destroy();
        return; // 'hang': never answers; the dispatcher's timeout ends it.
      }
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received };
}

/** registered is an operator's endpoint for all its seller's order events, with its secret. */
async function registered(url: string) {
  const { sellerId, productIds } = await seedCatalog(stack, staff, {
    products: [{ stock: 50, priceMinor: 400 }],
  });
  const operator = await actor('operator', sellerId);
  const endpoint = expectStatus<{ id: string; secret: string }>(
    await call(stack, 'POST', '/v1/webhook-endpoints', {
      token: operator.token,
      body: { url, types: ['order.placed', 'order.paid', 'order.cancelled'] },
    }),
    201,
  );
  return { operator, endpoint, productId: productIds[0]! };
}

/** placed places one order of the product as a new customer and returns its id. */
async function placed(productId: string): Promise<string> {
  const buyer = await actor('customer');
  const order = expectStatus<{ id: string }>(
    await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId, quantity: 1 }] },
    }),
    201,
  );
  return order.id;
}

/** bodiesOf parses what a receiver got for `orderId`. */
function requestsFor(received: Received[], orderId: string) {
  return received.filter((r) => r.body.includes(orderId));
}

/** waitForRequests waits until the receiver got `count` requests about `orderId`. */
async function waitForRequests(received: Received[], orderId: string, count: number) {
  await waitFor(async () => requestsFor(received, orderId).length >= count, 20_000);
  return requestsFor(received, orderId);
}

describe('webhook delivery', () => {
  it('when an order is placed, then its endpoint gets order.placed, signed with its secret (Standard Webhooks)', async () => {
    const hook = await receiver();
    const { endpoint, productId } = await registered(hook.url);
    const orderId = await placed(productId);

    const [got] = await waitForRequests(hook.received, orderId, 1);

    const event = new Webhook(endpoint.secret).verify(got!.body, {
      'webhook-id': got!.headers['webhook-id'] as string,
      'webhook-timestamp': got!.headers['webhook-timestamp'] as string,
      'webhook-signature': got!.headers['webhook-signature'] as string,
    }) as { id: string; type: string; subject: { id: string }; data: { status: string } };
    expect(event.type).toBe('order.placed');
    expect(event.subject.id).toBe(orderId);
    expect(event.data.status).toBe('pending_payment');
    expect(got!.headers['webhook-id']).toBe(event.id);
  });

  it('when an endpoint is made, then its dispatcher runs on the webhook task queue, apart from the order traffic', async () => {
    const hook = await receiver();
    const { endpoint, productId } = await registered(hook.url);
    const orderId = await placed(productId);
    await waitForRequests(hook.received, orderId, 1);

    const dispatcher = await stack.temporal.workflow
      .getHandle(workflowIds.webhookEndpoint(endpoint.id))
      .describe();

    expect(dispatcher.taskQueue).toBe(webhookTaskQueueOf(stack.config.taskQueue));
    expect(dispatcher.taskQueue).not.toBe(stack.config.taskQueue);
  });

  for (const kind of ['500', 'hang', 'close'] as const) {
    it(`when the receiver first ${kind === '500' ? 'answers 500' : kind === 'hang' ? 'times out' : 'closes the connection'} twice, then the event is retried with the same webhook-id until it is delivered`, async () => {
      const hook = await receiver({ kind, times: 2 });
      const { operator, endpoint, productId } = await registered(hook.url);
      const orderId = await placed(productId);

      const got = await waitForRequests(hook.received, orderId, 3);
      await waitFor(
        async () => (await deliveriesOf(operator, endpoint.id, 'delivered')) >= 1,
        10_000,
      );

      expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
      const [row] = await query<{ status: string; attempts: number }>(
        stack.db,
        'SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1',
        [endpoint.id],
      );
      expect(row).toEqual({ status: 'delivered', attempts: 3 });
    });
  }

  it('when an endpoint is disabled, then it gets nothing; enabled again, it gets what comes next', async () => {
    const hook = await receiver();
    const { operator, endpoint, productId } = await registered(hook.url);
    const patch = (disabled: boolean) =>
      call(stack, 'PATCH', `/v1/webhook-endpoints/${endpoint.id}`, {
        token: operator.token,
        body: { disabled },
      });
    expectStatus(await patch(true), 200);
    const missed = await placed(productId);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expectStatus(await patch(false), 200);
    const next = await placed(productId);

    await waitForRequests(hook.received, next, 1);
    expect(requestsFor(hook.received, missed)).toHaveLength(0);
  });

  it('when a delivered event is redelivered, then the receiver gets it again with the same webhook-id', async () => {
    const hook = await receiver();
    const { operator, endpoint, productId } = await registered(hook.url);
    const orderId = await placed(productId);
    const [first] = await waitForRequests(hook.received, orderId, 1);
    const [delivery] = await query<{ id: string }>(
      stack.db,
      'SELECT id FROM webhook_deliveries WHERE endpoint_id = $1',
      [endpoint.id],
    );

    expectStatus(
      await call(
        stack,
        'POST',
        `/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery!.id}/redeliver`,
        { token: operator.token },
      ),
      200,
    );

    const again = await waitForRequests(hook.received, orderId, 2);
    expect(again[1]!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  });

  it('when the secret is rotated, then what comes next verifies with the new secret and not the old', async () => {
    const hook = await receiver();
    const { operator, endpoint, productId } = await registered(hook.url);
    const rotated = expectStatus<{ secret: string }>(
      await call(stack, 'POST', `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
        token: operator.token,
      }),
      200,
    );
    const orderId = await placed(productId);

    const [got] = await waitForRequests(hook.received, orderId, 1);
    const headers = {
      'webhook-id': got!.headers['webhook-id'] as string,
      'webhook-timestamp': got!.headers['webhook-timestamp'] as string,
      'webhook-signature': got!.headers['webhook-signature'] as string,
    };
    expect(() => new Webhook(rotated.secret).verify(got!.body, headers)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(got!.body, headers)).toThrow();
  });

  it('when every attempt fails past the retry window, then the deliveries are failed and the third in a row disables the endpoint', async () => {
    const hook = await receiver({ kind: '500', times: 1_000 });
    const { operator, endpoint, productId } = await registered(hook.url);
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    for (let i = 0; i < 3; i += 1) {
      const order = expectStatus<{ id: string }>(
        await call(stack, 'POST', '/v1/orders', {
          token: buyer.token,
          body: { lines: [{ productId, quantity: i + 1 }], pay: { accountId: walletId } },
        }),
        201,
      );
      expect(order.id).toEqual(expect.any(String));
    }

    const disabled = await waitFor(async () => {
      const got = await call(stack, 'GET', `/v1/webhook-endpoints/${endpoint.id}`, {
        token: operator.token,
      });
      return got.body.disabled === true;
    }, 45_000);

    expect(disabled).toBe(true);
    expect(await deliveriesOf(operator, endpoint.id, 'failed')).toBeGreaterThanOrEqual(3);
    const view = await call(stack, 'GET', `/v1/webhook-endpoints/${endpoint.id}`, {
      token: operator.token,
    });
    expect(view.body.disabledReason).toMatch(/failed in a row/);
  });
});

/** deliveriesOf counts an endpoint's deliveries in `status` through the API. */
async function deliveriesOf(operator: Actor, endpointId: string, status: string) {
  const page = expectStatus<{ items: unknown[] }>(
    await call(stack, 'GET', `/v1/webhook-endpoints/${endpointId}/deliveries?status=${status}`, {
      token: operator.token,
    }),
    200,
  );
  return page.items.length;
}
