import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../db/transaction';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { balanceOf, countRows, seedCatalog, stockOf } from '../helpers/factories';
import { daysFromToday, seedBus, seedHotel } from '../helpers/travel';

let stack: TestStack;
let staff: Actor;

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
});

describe('the Idempotency-Key contract', () => {
  it('when 10 requests with one key race, then all get the single outcome and one order exists', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 50 }] });
    const buyer = await actor('customer');
    const key = randomUUID();
    const body = { lines: [{ productId: productIds[0], quantity: 2 }] };

    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(stack, 'POST', '/v1/orders', { token: buyer.token, key, body }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(
      results.filter((r) => r.headers.get('idempotent-replayed') === 'true').length,
    ).toBeGreaterThanOrEqual(1);
    expect(
      await countRows(stack, 'SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
        buyer.sub,
      ]),
    ).toBe(1);
    expect(await stockOf(stack, productIds[0]!)).toEqual({ stockOnHand: 50, reserved: 2 });
  });

  it('when a request is repeated later with its key, then the original answer replays with Idempotent-Replayed', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 10 }] });
    const buyer = await actor('customer');
    const key = randomUUID();
    const body = { lines: [{ productId: productIds[0], quantity: 1 }] };

    const first = await call(stack, 'POST', '/v1/orders', { token: buyer.token, key, body });
    const second = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      key,
      body: { lines: [{ quantity: 1, productId: productIds[0] }] },
    });

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await stockOf(stack, productIds[0]!)).toEqual({ stockOnHand: 10, reserved: 1 });
  });

  it('when a key is reused with a different body, then 422 idempotency_key_reuse and nothing changes', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 10 }] });
    const buyer = await actor('customer');
    const key = randomUUID();

    await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      key,
      body: { lines: [{ productId: productIds[0], quantity: 1 }] },
    });
    const reuse = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      key,
      body: { lines: [{ productId: productIds[0], quantity: 3 }] },
    });

    expect(reuse.status).toBe(422);
    expect(reuse.body.code).toBe('idempotency_key_reuse');
    expect(reuse.headers.get('content-type')).toContain('application/problem+json');
    expect(await stockOf(stack, productIds[0]!)).toEqual({ stockOnHand: 10, reserved: 1 });
  });

  it('when a refused request is retried after restock, then its key replays the refusal', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 1 }] });
    const buyer = await actor('customer');
    const key = randomUUID();
    const body = { lines: [{ productId: productIds[0], quantity: 2 }] };

    const refused = await call(stack, 'POST', '/v1/orders', { token: buyer.token, key, body });
    await call(stack, 'POST', `/v1/products/${productIds[0]}/restock`, {
      token: staff.token,
      body: { quantity: 10 },
    });
    const replay = await call(stack, 'POST', '/v1/orders', { token: buyer.token, key, body });

    expect(refused.status).toBe(409);
    expect(replay.status).toBe(409);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(refused.body);
    expect(await stockOf(stack, productIds[0]!)).toEqual({ stockOnHand: 11, reserved: 0 });
  });

  it('when two callers use the same key, then each gets its own resource (keys are scoped to sub)', async () => {
    const { productIds } = await seedCatalog(stack, staff, { products: [{ stock: 10 }] });
    const [a, b] = [await actor('customer'), await actor('customer')];
    const key = randomUUID();
    const body = { lines: [{ productId: productIds[0], quantity: 1 }] };

    const [ra, rb] = await Promise.all(
      [a, b].map((who) => call(stack, 'POST', '/v1/orders', { token: who.token, key, body })),
    );

    expect([ra!.status, rb!.status]).toEqual([201, 201]);
    expect(ra!.body.id).not.toBe(rb!.body.id);
  });

  it('when the key is not printable ASCII or too long, then 422 validation_failed', async () => {
    const buyer = await actor('customer');
    const tooLong = await call(stack, 'POST', '/v1/cart/items', {
      token: buyer.token,
      key: 'k'.repeat(256),
      body: { productId: randomUUID(), quantity: 1 },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.code).toBe('validation_failed');
  });
});

/**
 * expireKey ends a key's TTL the way the retention Schedule does (its row deleted), so the
 * key is free for `subject` again (SPEC.md §1: honoured for IDEMPOTENCY_KEY_TTL).
 */
async function expireKey(subject: string, key: string): Promise<void> {
  await execute(stack.db, 'DELETE FROM idempotency_keys WHERE subject = $1 AND key = $2', [
    subject,
    key,
  ]);
}

describe('one key on two routes (each route names its own resource)', () => {
  it('when a key that made a deposit is used for a consume, then the consume is refused while the key lives and moves its own money after', async () => {
    const retainer = expectStatus(
      await call(stack, 'POST', '/v1/retainers', {
        token: staff.token,
        key: randomUUID(),
        body: { clientId: randomUUID(), initialAmountMinor: 1_000, currency: 'EUR' },
      }),
      201,
    );
    const key = randomUUID();
    const consume = { amountMinor: 300, description: 'drafting' };
    const deposited = expectStatus(
      await call(stack, 'POST', `/v1/accounts/${retainer.id}/deposits`, {
        token: staff.token,
        key,
        body: { amountMinor: 500 },
      }),
      201,
    );

    const whileKept = await call(stack, 'POST', `/v1/retainers/${retainer.id}/consume`, {
      token: staff.token,
      key,
      body: consume,
    });
    await expireKey(staff.sub, key);
    const afterExpiry = await call(stack, 'POST', `/v1/retainers/${retainer.id}/consume`, {
      token: staff.token,
      key,
      body: consume,
    });

    expect(whileKept.status).toBe(422);
    expect(whileKept.body.code).toBe('idempotency_key_reuse');
    expect(afterExpiry.status).toBe(200);
    expect(afterExpiry.headers.get('idempotent-replayed')).toBeNull();
    expect(afterExpiry.body.transfer.id).not.toBe(deposited.id);
    expect(afterExpiry.body.transfer.kind).toBe('retainer_consumption');
    expect(afterExpiry.body.balanceMinor).toBe(1_200);
    expect(await balanceOf(stack, retainer.id)).toBe(1_200);
  });

  it('when a key that held seats is used for a stay after it expired, then the stay is its own booking', async () => {
    const customer = await actor('customer');
    const [{ scheduleId }, { roomTypeId }] = await Promise.all([
      seedBus(stack, staff, { seatCount: 2 }),
      seedHotel(stack, staff, { unitsPerNight: 1 }),
    ]);
    const key = randomUUID();
    const seats = expectStatus(
      await call(stack, 'POST', '/v1/bookings', {
        token: customer.token,
        key,
        body: { scheduleId, seats: [1] },
      }),
      201,
    );

    await expireKey(customer.sub, key);
    const stay = await call(stack, 'POST', '/v1/stays', {
      token: customer.token,
      key,
      body: { roomTypeId, checkIn: daysFromToday(5), checkOut: daysFromToday(6) },
    });

    expect(stay.status).toBe(201);
    expect(stay.body.id).not.toBe(seats.id);
    expect(stay.body.kind).toBe('stay');
  });
});
