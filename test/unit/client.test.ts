import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProductView } from '../../domain/catalog';
import type { OrderView } from '../../domain/orders';
import { generateClientTypes, GENERATED_TYPES_PATH } from '../../client/generate';
import {
  answerOf,
  bearer,
  createHoldfastClient,
  idempotencyKey,
  isProblem,
  type HoldfastClient,
  type HoldfastProblem,
} from '../../client/index';
import { actor, expectStatus, useStack, type Actor } from '../helpers/stack';

/*
 * The typed client (client/): its generated types match the routes as they are now (a route
 * changed without `npm run client:generate` fails here), and it talks to the real app: a
 * catalog seeded, an order placed, replayed and refused, all through the client.
 */

/** firstDifference names the first line where two texts differ, for a readable failure. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((text, i) => text !== e[i]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: generated ${JSON.stringify(a[at])}, committed ${JSON.stringify(e[at])}`;
}

describe('client/openapi.ts', () => {
  it('is what `npm run client:generate` makes from the current routes', async () => {
    const generated = await generateClientTypes();
    const committed = await readFile(GENERATED_TYPES_PATH, 'utf8');

    expect(
      generated === committed,
      `client/openapi.ts is stale (run \`npm run client:generate\`): ${firstDifference(generated, committed)}`,
    ).toBe(true);
  });
});

describe('createHoldfastClient against the real app', () => {
  let client: HoldfastClient;
  let staff: Actor;

  beforeAll(async () => {
    const stack = await useStack();
    client = createHoldfastClient({
      baseUrl: 'http://holdfast.test',
      fetch: async (request) => stack.app.request(request),
      timeoutMs: 30_000,
    });
    staff = await actor('staff');
  });

  it('when a second customer orders the last unit through the client, then the first keeps its 201 (replayed) and the second gets a 409 problem', async () => {
    // Arrange: an approved seller and a product with one unit, created as staff.
    const asStaff = { headers: bearer(staff.token) };
    const seller = expectStatus(
      answerOf<{ id: string }>(
        await client.POST('/v1/sellers', {
          ...asStaff,
          body: { name: `client test ${randomUUID()}`, kind: 'merchant' },
        }),
      ),
      201,
    );
    expectStatus(
      answerOf(
        await client.POST('/v1/sellers/{id}/approve', {
          ...asStaff,
          params: { path: { id: seller.id } },
        }),
      ),
      200,
    );
    const product = expectStatus(
      answerOf<ProductView>(
        await client.POST('/v1/products', {
          ...asStaff,
          body: {
            sellerId: seller.id,
            sku: `CLIENT-${randomUUID().slice(0, 8)}`,
            name: 'Last lamp',
            priceMinor: 1999,
            currency: 'EUR',
            stock: 1,
          },
        }),
      ),
      201,
    );
    const [first, second] = [await actor('customer'), await actor('customer')];
    const key = randomUUID();
    const order = (buyer: Actor, buyerKey: string) =>
      client.POST('/v1/orders', {
        body: { lines: [{ productId: product.id, quantity: 1 }] },
        headers: { ...bearer(buyer.token), ...idempotencyKey(buyerKey) },
      });

    // Act
    const placed = answerOf<OrderView>(await order(first, key));
    const replayed = answerOf<OrderView>(await order(first, key));
    const refused = answerOf<HoldfastProblem>(await order(second, randomUUID()));

    // Assert
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'pending_payment', totalMinor: 1999 });
    expect(replayed).toMatchObject({ status: 201, replayed: true, body: { id: placed.body.id } });
    expect(refused.status).toBe(409);
    expect(isProblem(refused.body) && refused.body.code).toBe('insufficient_stock');
  });

  it('refuses at compile time what the routes would refuse (checked by tsc, never sent)', () => {
    const wrongRequests = [
      // @ts-expect-error quantity is a number in the route's zod schema
      () => client.POST('/v1/orders', { body: { lines: [{ productId: 'p', quantity: '1' }] } }),
      // @ts-expect-error the path parameter `id` is required
      () => client.POST('/v1/orders/{id}/pay', { body: { accountId: 'a' } }),
      // @ts-expect-error there is no such route
      () => client.GET('/v1/nowhere'),
    ];

    expect(wrongRequests).toHaveLength(3);
  });

  it('answers a request without a token with a 401 problem, read by answerOf', async () => {
    const result = await client.GET('/v1/orders/{id}', {
      params: { path: { id: randomUUID() } },
    });

    const answer = answerOf<HoldfastProblem>(result);

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(result.data).toBeUndefined();
  });
});
