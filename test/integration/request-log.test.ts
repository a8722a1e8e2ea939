import { Writable } from 'node:stream';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../domain/workflow-ids';
import { seedCatalog } from '../helpers/factories';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';

/** LogLine is one JSON line of the API's logger. */
type LogLine = Record<string, unknown> & { msg?: string; requestId?: string };

const lines: LogLine[] = [];

/** captured is a pino logger whose lines land, parsed, in `lines`. */
const captured = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(text) as LogLine);
      }
      done();
    },
  }),
);

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack({}, { logger: captured });
  staff = await actor('staff');
});

/** requestLine is the `request` log line of the request that answered with `requestId`. */
function requestLine(requestId: string | null): LogLine | undefined {
  return lines.find((line) => line.msg === 'request' && line.requestId === requestId);
}

describe('request log lines name the workflows a request called (SPEC.md §9)', () => {
  it('when a customer places an order, then its request line carries the gate workflow it went through', async () => {
    const buyer = await actor('customer');
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 5 }] });

    const placed = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId: productIds[0], quantity: 1 }] },
    });
    expectStatus(placed, 201);

    expect(requestLine(placed.headers.get('x-request-id'))).toMatchObject({
      route: '/v1/orders',
      status: 201,
      customerId: buyer.sub,
      workflowId: workflowIds.customerOrders(buyer.sub),
    });
  });

  it('when a customer cancels the order, then the request line carries the order workflow `order-<id>`', async () => {
    const buyer = await actor('customer');
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 5 }] });
    const order = expectStatus(
      await call(stack, 'POST', '/v1/orders', {
        token: buyer.token,
        body: { lines: [{ productId: productIds[0], quantity: 1 }] },
      }),
      201,
    );

    const cancelled = await call(stack, 'POST', `/v1/orders/${order.id}/cancel`, {
      token: buyer.token,
    });
    expectStatus(cancelled, 200);

    expect(requestLine(cancelled.headers.get('x-request-id'))).toMatchObject({
      status: 200,
      workflowId: `order-${order.id}`,
    });
  });

  it('when a request touches no workflow, then its line has no workflowId', async () => {
    const read = await call(stack, 'GET', '/healthz');

    const line = requestLine(read.headers.get('x-request-id'));
    expect(line).toMatchObject({ route: '/healthz', status: 200 });
    expect(line).not.toHaveProperty('workflowId');
  });
});
