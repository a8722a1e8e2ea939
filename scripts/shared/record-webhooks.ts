import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_TYPES } from '../../domain/events';
import { workflowIds } from '../../domain/workflow-ids';
import { actor, call, expectStatus, type TestStack } from '../../tools/app';
import { seedCatalog } from '../../tools/seed';
import { sleep } from '../../tools/process';

/*
 * The webhook dispatcher's recording for `npm run histories:record` (SPEC.md §11): an
 * endpoint gets one order's event, then is deleted, so its dispatcher ends.
 */

/**
 * runWebhooks registers a staff endpoint for every event type at a receiver on 127.0.0.1,
 * places one order, waits for its delivery, deletes the endpoint and waits for the dispatcher
 * to end (`webhook-dispatcher-delivered`).
 */
export async function runWebhooks(stack: TestStack) {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const staff = await actor('staff');
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/recorded`;
    const body = { url, types: [...EVENT_TYPES] };
    const endpoint = expectStatus<{ id: string }>(
      await call(stack, 'POST', '/v1/webhook-endpoints', { token: staff.token, body }),
      201,
    );
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 2 }] });
    const buyer = await actor('customer');
    const lines = [{ productId: productIds[0], quantity: 1 }];
    expectStatus(
      await call(stack, 'POST', '/v1/orders', { token: buyer.token, body: { lines } }),
      201,
    );
    for (let waited = 0; received === 0 && waited < 30_000; waited += 200) await sleep(200);
    if (received === 0) throw new Error('the recorded endpoint received nothing');
    const path = `/v1/webhook-endpoints/${endpoint.id}`;
    expectStatus(await call(stack, 'DELETE', path, { token: staff.token }), 200);
    const workflowId = workflowIds.webhookEndpoint(endpoint.id);
    await stack.temporal.workflow.getHandle(workflowId).result();
    return [{ name: 'webhook-dispatcher-delivered', workflowId }];
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
