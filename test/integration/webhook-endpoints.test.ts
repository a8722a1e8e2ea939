import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../db/transaction';
import { actor, call, useStack, type Actor, type TestStack } from '../helpers/stack';
import { countRows } from '../helpers/factories';

/*
 * Webhook endpoints on the real stack (SPEC.md §11 "Endpoints" and the deliveries list):
 * staff manage every endpoint, an operator its seller's only; the secret is shown on create
 * and rotate only; bad URLs are 422 with nothing written.
 */

let stack: TestStack;
/** strict is the same stack under the production URL rule (no http, no private addresses). */
let strict: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  strict = await useStack({ webhookAllowHttp: false, webhookAllowPrivate: false });
  staff = await actor('staff');
});

const PATH = '/v1/webhook-endpoints';

/** register creates an endpoint as `who` on `on` and returns the reply. */
function register(on: TestStack, who: Actor, body: Record<string, unknown>, key?: string) {
  return call(on, 'POST', PATH, { token: who.token, body, key });
}

/** endpointRows counts the endpoints stored at `url`. */
function endpointRows(on: TestStack, url: string) {
  return countRows(on, 'SELECT count(*) AS n FROM webhook_endpoints WHERE url = $1', [url]);
}

describe('registering and managing an endpoint', () => {
  it('when staff register one, then 201 with a whsec_ secret once, and reads never show it', async () => {
    const url = `https://hooks.example.com/${randomUUID()}`;
    const created = await register(stack, staff, {
      url,
      types: ['order.paid', 'order.paid', 'booking.confirmed'],
      description: 'shop backend',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url,
      types: ['order.paid', 'booking.confirmed'],
      description: 'shop backend',
      sellerId: null,
      disabled: false,
    });
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(() => new Webhook(created.body.secret)).not.toThrow();
    const id = created.body.id as string;

    const read = await call(stack, 'GET', `${PATH}/${id}`, { token: staff.token });
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body).toMatchObject({ id, url, sellerId: null });

    const list = await call(stack, 'GET', `${PATH}?limit=200`, { token: staff.token });
    expect(list.status).toBe(200);
    const listed = list.body.items.find((e: { id: string }) => e.id === id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('secret');
  });

  it('when patched, rotated and deleted, then each answers the endpoint and the old secret is gone', async () => {
    const created = await register(stack, staff, {
      url: 'http://127.0.0.1:4010/hook',
      types: ['transfer.posted'],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const at = `${PATH}/${id}`;

    const patched = await call(stack, 'PATCH', at, {
      token: staff.token,
      body: { types: ['hold.posted', 'hold.voided'], disabled: true, description: 'paused' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      types: ['hold.posted', 'hold.voided'],
      disabled: true,
      description: 'paused',
    });
    expect(patched.body.disabledReason).toEqual(expect.any(String));
    expect(patched.body).not.toHaveProperty('secret');

    const enabled = await call(stack, 'PATCH', at, {
      token: staff.token,
      body: { disabled: false, description: null },
    });
    expect(enabled.body).toMatchObject({
      disabled: false,
      disabledReason: null,
      description: null,
    });

    const empty = await call(stack, 'PATCH', at, { token: staff.token, body: {} });
    expect(empty.status).toBe(422);
    const badType = await call(stack, 'PATCH', at, {
      token: staff.token,
      body: { types: ['x.y'] },
    });
    expect(badType.status).toBe(422);

    const rotated = await call(stack, 'POST', `${at}/rotate-secret`, { token: staff.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const [row] = await stack.db.sequelize.query<{ secret: string }>(
      'SELECT secret FROM webhook_endpoints WHERE id = $1',
      { bind: [id], type: 'SELECT' as never },
    );
    expect(row?.secret).toBe(rotated.body.secret);

    const deleted = await call(stack, 'DELETE', at, { token: staff.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id });
    expect(deleted.body).not.toHaveProperty('secret');
    expect((await call(stack, 'GET', at, { token: staff.token })).status).toBe(404);
    expect((await call(stack, 'DELETE', at, { token: staff.token })).status).toBe(404);
  });

  it('when created with an Idempotency-Key twice, then one endpoint and the same answer replayed', async () => {
    const url = `https://hooks.example.com/${randomUUID()}`;
    const key = `webhook-${randomUUID()}`;
    const body = { url, types: ['order.placed'] };
    const first = await register(stack, staff, body, key);
    const again = await register(stack, staff, body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await endpointRows(stack, url)).toBe(1);

    const reused = await register(stack, staff, { ...body, types: ['order.paid'] }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reuse');
  });
});

describe('who may manage which endpoint', () => {
  it('when an operator registers one, then it is its seller’s, and another seller’s operator gets 404', async () => {
    const sellerId = randomUUID();
    const operator = await actor('operator', sellerId);
    const colleague = await actor('operator', sellerId);
    const stranger = await actor('operator', randomUUID());
    const created = await register(stack, operator, {
      url: `https://hooks.example.com/${randomUUID()}`,
      types: ['order.placed'],
    });
    expect(created.status).toBe(201);
    expect(created.body.sellerId).toBe(sellerId);
    const at = `${PATH}/${created.body.id}`;

    expect((await call(stack, 'GET', at, { token: colleague.token })).status).toBe(200);
    expect((await call(stack, 'GET', at, { token: staff.token })).status).toBe(200);
    for (const [method, path, body] of [
      ['GET', at, undefined],
      ['PATCH', at, { disabled: true }],
      ['DELETE', at, undefined],
      ['POST', `${at}/rotate-secret`, undefined],
      ['GET', `${at}/deliveries`, undefined],
    ] as const) {
      const res = await call(stack, method, path, { token: stranger.token, body });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const strangerList = await call(stack, 'GET', PATH, { token: stranger.token });
    expect(strangerList.body).toEqual({ items: [], nextCursor: null });
    const ownList = await call(stack, 'GET', PATH, { token: operator.token });
    expect(ownList.body.items.map((e: { id: string }) => e.id)).toEqual([created.body.id]);

    const staffOwn = await register(stack, staff, {
      url: `https://hooks.example.com/${randomUUID()}`,
      types: ['order.paid'],
    });
    const staffAt = `${PATH}/${staffOwn.body.id}`;
    expect((await call(stack, 'GET', staffAt, { token: operator.token })).status).toBe(404);
    expect(
      (await call(stack, 'PATCH', at, { token: staff.token, body: { disabled: true } })).status,
    ).toBe(200);
  });

  it('when a customer calls any webhook route, then 403 before validation', async () => {
    const customer = await actor('customer');
    const at = `${PATH}/${randomUUID()}`;
    for (const [method, path, body] of [
      ['POST', PATH, { url: 'nope' }],
      ['GET', PATH, undefined],
      ['GET', at, undefined],
      ['PATCH', at, {}],
      ['DELETE', at, undefined],
      ['POST', `${at}/rotate-secret`, undefined],
      ['GET', `${at}/deliveries`, undefined],
    ] as const) {
      const res = await call(stack, method, path, { token: customer.token, body });
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 403, 'forbidden']);
    }
  });
});

describe('the URL rule', () => {
  it.each([
    ['http://hooks.example.com/x', 'must use https'],
    ['https://127.0.0.1/x', 'must not name a loopback, private or link-local address'],
    ['https://2130706433/x', 'must not name a loopback, private or link-local address'],
    ['https://[::ffff:127.0.0.1]/x', 'must not name a loopback, private or link-local address'],
    ['https://169.254.169.254/latest', 'must not name a loopback, private or link-local address'],
    ['https://10.1.2.3/x', 'must not name a loopback, private or link-local address'],
    ['https://api.localhost/x', 'must not name a loopback, private or link-local address'],
    ['https://u:p@hooks.example.com/x', 'must not carry a user name or password'],
    ['not a url', 'must be an absolute URL'],
  ])(
    'when the URL is %s under the production rule, then 422 and nothing written',
    async (url, message) => {
      const res = await register(strict, staff, { url, types: ['order.paid'] });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([{ path: 'url', message }]);
      expect(await endpointRows(strict, url)).toBe(0);
      expect(await endpointRows(strict, new URL(url, 'https://x').href)).toBe(0);
    },
  );

  it.each([
    [{ url: 'https://hooks.example.com/', types: [] }, 'types'],
    [{ url: 'https://hooks.example.com/', types: ['order.shipped'] }, 'types.0'],
    [{ url: 'https://hooks.example.com/' }, 'types'],
    [{ url: 'https://hooks.example.com/\u0000', types: ['order.paid'] }, 'url'],
    [{ url: 'https://hooks.example.com/', types: ['order.paid'], secret: 'whsec_x' }, ''],
  ])('when the body is %j, then 422 naming %s', async (body, path) => {
    const before = await countRows(stack, 'SELECT count(*) AS n FROM webhook_endpoints');
    const res = await register(stack, staff, body);
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await countRows(stack, 'SELECT count(*) AS n FROM webhook_endpoints')).toBe(before);
  });
});

describe('the deliveries of an endpoint', () => {
  it('when it has deliveries, then they are listed newest first, by status, a page at a time', async () => {
    const created = await register(stack, staff, {
      url: `https://hooks.example.com/${randomUUID()}`,
      types: ['order.paid'],
    });
    const id = created.body.id as string;
    for (const [status, offset] of [
      ['delivered', 3],
      ['failed', 2],
      ['pending', 1],
    ] as const) {
      await execute(
        stack.db,
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, created_at,
           next_attempt_at)
         VALUES ($1, $2, $3, $4, 1, now() - ($5 || ' seconds')::interval,
           CASE WHEN $4 = 'pending' THEN now() END)`,
        [randomUUID(), id, randomUUID(), status, String(offset)],
      );
    }
    const at = `${PATH}/${id}/deliveries`;
    const all = await call(stack, 'GET', at, { token: staff.token });
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: { status: string }) => d.status)).toEqual([
      'pending',
      'failed',
      'delivered',
    ]);
    expect(all.body.items[0]).toMatchObject({ attempts: 1, lastStatusCode: null, lastError: null });
    expect(all.body.items[0].nextAttemptAt).toEqual(expect.any(String));

    const failed = await call(stack, 'GET', `${at}?status=failed`, { token: staff.token });
    expect(failed.body.items.map((d: { status: string }) => d.status)).toEqual(['failed']);

    const first = await call(stack, 'GET', `${at}?limit=2`, { token: staff.token });
    expect(first.body.items).toHaveLength(2);
    const rest = await call(stack, 'GET', `${at}?limit=2&cursor=${first.body.nextCursor}`, {
      token: staff.token,
    });
    expect(rest.body).toMatchObject({ items: [{ status: 'delivered' }], nextCursor: null });

    expect((await call(stack, 'GET', `${at}?status=lost`, { token: staff.token })).status).toBe(
      422,
    );
    await call(stack, 'DELETE', `${PATH}/${id}`, { token: staff.token });
    expect(
      await countRows(
        stack,
        'SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = $1',
        [id],
      ),
    ).toBe(0);
  });
});
