import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { actor, call, connectStack, useStack, type Actor, type TestStack } from '../helpers/stack';
import { countRows, seedCatalog, stockOf } from '../helpers/factories';

let stack: TestStack;
let staff: Actor;
let buyer: Actor;
let productId: string;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
  buyer = await actor('customer');
  productId = (await seedCatalog(stack, staff, { products: [{ stock: 5 }] })).productIds[0]!;
});

/** expectNothingWritten asserts the buyer has no order and the product nothing reserved. */
async function expectNothingWritten(): Promise<void> {
  expect(
    await countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [buyer.sub]),
  ).toBe(0);
  expect(await stockOf(stack, productId)).toEqual({ stockOnHand: 5, reserved: 0 });
}

describe('when an order request is bad', () => {
  const badBodies: [string, () => unknown, string][] = [
    ['zero quantity', () => ({ lines: [{ productId, quantity: 0 }] }), 'lines.0.quantity'],
    ['negative quantity', () => ({ lines: [{ productId, quantity: -2 }] }), 'lines.0.quantity'],
    ['fractional quantity', () => ({ lines: [{ productId, quantity: 1.5 }] }), 'lines.0.quantity'],
    ['string quantity', () => ({ lines: [{ productId, quantity: '2' }] }), 'lines.0.quantity'],
    ['huge quantity', () => ({ lines: [{ productId, quantity: 1e12 }] }), 'lines.0.quantity'],
    ['no lines', () => ({ lines: [] }), 'lines'],
    ['neither lines nor cart', () => ({}), 'lines'],
    [
      'a product id that is not a uuid',
      () => ({ lines: [{ productId: 'abc', quantity: 1 }] }),
      'lines.0.productId',
    ],
    [
      'an unknown product',
      () => ({ lines: [{ productId: randomUUID(), quantity: 1 }] }),
      'lines.0.productId',
    ],
    ['an unknown field', () => ({ lines: [{ productId, quantity: 1 }], discount: 100 }), ''],
    ['a JSON array body', () => [1, 2], ''],
  ];

  for (const [name, body, path] of badBodies) {
    it(`then ${name} → 422 validation_failed naming ${path || 'the body'}, and nothing is written`, async () => {
      const res = await call(stack, 'POST', '/v1/orders', { token: buyer.token, body: body() });

      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({
        code: 'validation_failed',
        status: 422,
        type: expect.any(String),
        title: expect.any(String),
      });
      if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      await expectNothingWritten();
    });
  }

  it('then malformed JSON → 400 malformed_json', async () => {
    const res = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      rawBody: '{"lines": [',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('malformed_json');
    await expectNothingWritten();
  });

  it('then a body over 64 KiB → 413', async () => {
    const res = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      rawBody: JSON.stringify({ lines: [], pad: 'x'.repeat(70_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    await expectNothingWritten();
  });

  it('then a body that is not JSON at all → 415 unsupported_media_type, never 500', async () => {
    const res = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      rawBody: 'lines=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
    await expectNothingWritten();
  });

  it('then a bad path id or cursor → 422, never 500', async () => {
    expect((await call(stack, 'GET', '/v1/orders/not-a-uuid', { token: buyer.token })).status).toBe(
      422,
    );
    expect(
      (await call(stack, 'GET', '/v1/orders?cursor=garbage', { token: buyer.token })).status,
    ).toBe(422);
    expect((await call(stack, 'GET', '/v1/orders?limit=1000', { token: buyer.token })).status).toBe(
      422,
    );
    expect(
      (
        await call(
          stack,
          'GET',
          `/v1/accounts/${randomUUID()}/entries?cursor=${Buffer.from('{"id":"x"}').toString('base64url')}`,
          { token: staff.token },
        )
      ).status,
    ).toBe(404);
  });
});

describe('when the caller is not who the route needs', () => {
  it('then no token → 401, a forged token → 401, malformed claims → 401', async () => {
    const body = { lines: [{ productId, quantity: 1 }] };
    const forged = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(buyer.sub)
      .sign(new TextEncoder().encode('not-the-secret-at-all'));
    const noSub = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(stack.config.jwtSecret));

    const none = await call(stack, 'POST', '/v1/orders', { body });
    const bad = await call(stack, 'POST', '/v1/orders', { token: forged, body });
    const claims = await call(stack, 'POST', '/v1/orders', { token: noSub, body });

    expect([none.status, bad.status, claims.status]).toEqual([401, 401, 401]);
    expect(none.body.code).toBe('unauthorized');
    await expectNothingWritten();
  });

  it('then a token without exp, or expiring more than 24 h ahead, → 401; one within 24 h passes', async () => {
    const signed = (ttl?: string) => {
      const jwt = new SignJWT({ role: 'customer' }).setProtectedHeader({ alg: 'HS256' });
      jwt.setSubject(buyer.sub).setIssuedAt();
      if (ttl) jwt.setExpirationTime(ttl);
      return jwt.sign(new TextEncoder().encode(stack.config.jwtSecret));
    };
    const read = async (token: string) =>
      (await call(stack, 'GET', '/v1/orders', { token })).status;

    expect(await read(await signed())).toBe(401);
    expect(await read(await signed('25h'))).toBe(401);
    expect(await read(await signed('23h'))).toBe(200);
  });

  it('then every answer carries the secure headers, and a request past REQUEST_TIMEOUT is 503', async () => {
    const { stack: hurried, close } = await connectStack(inject('stack'), { requestTimeoutMs: 1 });
    try {
      const listed = await call(stack, 'GET', '/v1/orders', { token: buyer.token });
      const late = await call(hurried, 'GET', '/v1/products', { token: buyer.token });

      expect(listed.headers.get('x-content-type-options')).toBe('nosniff');
      expect(listed.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(listed.headers.get('strict-transport-security')).toMatch(/max-age=/);
      expect(late.status).toBe(503);
      expect(late.body.code).toBe('unavailable');
      expect(late.headers.get('retry-after')).toBe('1');
    } finally {
      await close();
    }
  });

  it('then the wrong role → 403 and a stranger’s order → 404', async () => {
    const asStaff = await call(stack, 'POST', '/v1/orders', {
      token: staff.token,
      body: { lines: [{ productId, quantity: 1 }] },
    });
    const customerCreatesSeller = await call(stack, 'POST', '/v1/sellers', {
      token: buyer.token,
      body: { name: 'x', kind: 'merchant' },
    });
    expect(asStaff.status).toBe(403);
    expect(asStaff.body.code).toBe('forbidden');
    expect(customerCreatesSeller.status).toBe(403);

    const other = await actor('customer');
    const order = await call(stack, 'POST', '/v1/orders', {
      token: other.token,
      body: { lines: [{ productId, quantity: 1 }] },
    });
    expect(order.status).toBe(201);
    expect(
      (await call(stack, 'GET', `/v1/orders/${order.body.id}`, { token: buyer.token })).status,
    ).toBe(404);
    expect(
      (await call(stack, 'POST', `/v1/orders/${order.body.id}/cancel`, { token: buyer.token }))
        .status,
    ).toBe(404);
    expect(
      (await call(stack, 'GET', `/v1/orders/${order.body.id}`, { token: staff.token })).status,
    ).toBe(200);
    await call(stack, 'POST', `/v1/orders/${order.body.id}/cancel`, { token: staff.token });
  });
});

describe('operating endpoints', () => {
  it('then /healthz, /readyz, /metrics and /openapi.json answer', async () => {
    expect((await call(stack, 'GET', '/healthz')).status).toBe(200);
    const ready = await call(stack, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ postgres: 'ok', temporal: 'ok' });
    const metrics = await call(stack, 'GET', '/metrics');
    expect(metrics.body).toContain('holdfast_http_request_duration_seconds');
    const spec = await call(stack, 'GET', '/openapi.json');
    expect(Object.keys(spec.body.paths)).toContain('/v1/orders');
    expect((await call(stack, 'GET', '/no-such-route')).status).toBe(404);
  });
});
