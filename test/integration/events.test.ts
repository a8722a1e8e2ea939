import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../domain/events';
import { recordEvent } from '../../db/events';
import { query } from '../../db/transaction';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import { openWallet, seedCatalog, waitFor } from '../helpers/factories';
import { openRequest } from '../helpers/payment-requests';
import { seedBus } from '../../tools/seed';

/*
 * The events outbox and feed of SPEC.md §11 on the real stack: each change writes its event in
 * its own transaction, a refused change writes none, and a reader polling with a cursor sees
 * every event exactly once, also when transactions commit out of order.
 */

let stack: TestStack;
let staff: Actor;
let hook: { server: Server; secret: string; typesVerified: Set<string>; badSignatures: number };

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
  hook = await staffReceiver();
});

afterAll(async () => {
  await new Promise((resolve) => hook.server.close(resolve));
});

/**
 * staffReceiver listens on 127.0.0.1 and registers a staff endpoint for every event type; it
 * records the type of each request whose Standard Webhooks signature verifies.
 */
async function staffReceiver() {
  const typesVerified = new Set<string>();
  const state = { secret: '', badSignatures: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const event = new Webhook(state.secret).verify(
          Buffer.concat(chunks).toString('utf8'),
          req.headers as Record<string, string>,
        ) as { type: string };
        typesVerified.add(event.type);
      } catch {
        state.badSignatures += 1;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = expectStatus<{ secret: string }>(
    await call(stack, 'POST', '/v1/webhook-endpoints', {
      token: staff.token,
      body: { url: `http://127.0.0.1:${port}/all`, types: [...EVENT_TYPES] },
    }),
    201,
  );
  state.secret = endpoint.secret;
  return {
    server,
    get secret() {
      return state.secret;
    },
    typesVerified,
    get badSignatures() {
      return state.badSignatures;
    },
  };
}

/** FeedEvent is an event as GET /v1/events returns it. */
interface FeedEvent {
  id: string;
  type: string;
  sequence: number;
  subject: { type: string; id: string };
  customerId?: string;
  sellerId?: string;
  data: Record<string, unknown>;
}

/** readAll pages the feed as `who` from `cursor` to its end; returns the events and the end. */
async function readAll(who: Actor, params: Record<string, string> = {}, cursor?: string) {
  const events: FeedEvent[] = [];
  let at = cursor;
  for (;;) {
    const search = new URLSearchParams({ ...params, limit: '200', ...(at ? { cursor: at } : {}) });
    const page = expectStatus<{ items: FeedEvent[]; nextCursor: string }>(
      await call(stack, 'GET', `/v1/events?${search}`, { token: who.token }),
      200,
    );
    events.push(...page.items);
    expect(page.nextCursor).toEqual(expect.any(String));
    at = page.nextCursor;
    if (page.items.length === 0) return { events, end: at };
  }
}

/** eventsOf waits until `who` sees `count` events of `subjectId`, and returns them. */
async function eventsOf(who: Actor, subjectId: string, count: number): Promise<FeedEvent[]> {
  let seen: FeedEvent[] = [];
  await waitFor(async () => {
    seen = (await readAll(who, { subjectId })).events;
    return seen.length >= count;
  }, 15_000);
  return seen;
}

/** placeOrder places one order of one unit of a fresh product as `buyer`. */
async function placeOrder(buyer: Actor, priceMinor = 500) {
  const { productIds, sellerId } = await seedCatalog(stack, staff, {
    products: [{ stock: 5, priceMinor }],
  });
  const order = expectStatus<{ id: string }>(
    await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId: productIds[0], quantity: 1 }] },
    }),
    201,
  );
  return { order, sellerId, productId: productIds[0]! };
}

describe('every change writes its event in its own transaction', () => {
  it('when an order is placed, paid and fulfilled, then placed, paid and fulfilled follow with sequences 1–3 and the order as GET returns it', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    const { order, sellerId } = await placeOrder(buyer);
    const pay = { token: buyer.token, body: { accountId: walletId } };
    expectStatus(await call(stack, 'POST', `/v1/orders/${order.id}/pay`, pay), 200);
    expectStatus(
      await call(stack, 'POST', `/v1/orders/${order.id}/fulfill`, { token: staff.token }),
      200,
    );
    const got = expectStatus(
      await call(stack, 'GET', `/v1/orders/${order.id}`, { token: buyer.token }),
      200,
    );

    const events = await eventsOf(buyer, order.id, 3);

    expect(events.map((e) => [e.type, e.sequence])).toEqual([
      ['order.placed', 1],
      ['order.paid', 2],
      ['order.fulfilled', 3],
    ]);
    expect(events.every((e) => e.subject.type === 'order' && e.customerId === buyer.sub)).toBe(
      true,
    );
    expect(events.every((e) => e.sellerId === sellerId)).toBe(true);
    expect(events[2]!.data).toEqual(got);
    expect(events[0]!.data).toMatchObject({ id: order.id, status: 'pending_payment' });
    const payment = await eventsOf(buyer, `order-${order.id}-payment`, 1);
    expect(payment.map((e) => [e.type, e.data.amountMinor])).toEqual([['transfer.posted', 500]]);
  });

  it('when a paid order is cancelled, then order.cancelled and the refund’s transfer.posted; a 2 s TTL expires another as order.expired', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 10_000);
    const { order } = await placeOrder(buyer);
    const pay = { token: buyer.token, body: { accountId: walletId } };
    expectStatus(await call(stack, 'POST', `/v1/orders/${order.id}/pay`, pay), 200);
    expectStatus(
      await call(stack, 'POST', `/v1/orders/${order.id}/cancel`, { token: buyer.token }),
      200,
    );
    const short = await useStack({ orderPaymentTtlMs: 2_000 });
    const { productIds } = await seedCatalog(short, staff, { products: [{ stock: 2 }] });
    const late = expectStatus<{ id: string }>(
      await call(short, 'POST', '/v1/orders', {
        token: buyer.token,
        body: { lines: [{ productId: productIds[0], quantity: 1 }] },
      }),
      201,
    );

    const cancelled = await eventsOf(buyer, order.id, 3);
    expect(
      cancelled.map((e) => e.type),
      JSON.stringify(cancelled),
    ).toEqual(['order.placed', 'order.paid', 'order.cancelled']);
    const refund = await eventsOf(buyer, `order-${order.id}-refund`, 1);
    expect(refund.map((e) => e.type)).toEqual(['transfer.posted']);
    const expired = await eventsOf(buyer, late.id, 2);
    expect(expired.map((e) => [e.type, e.data.status])).toEqual([
      ['order.placed', 'pending_payment'],
      ['order.expired', 'expired'],
    ]);
  });

  it('when a deposit posts and two holds are posted and voided, then transfer.posted, hold.posted and hold.voided', async () => {
    const owner = await actor('customer');
    const from = await openWallet(stack, staff, owner, 1_000);
    const to = await openWallet(stack, staff, owner, 0);
    const hold = async () =>
      expectStatus<{ id: string }>(
        await call(stack, 'POST', '/v1/transfers', {
          token: owner.token,
          body: { fromAccountId: from, toAccountId: to, amountMinor: 100, hold: { timeout: '1h' } },
        }),
        201,
      );
    const [posted, voided] = [await hold(), await hold()];
    const resolve = (id: string, action: string) =>
      call(stack, 'POST', `/v1/transfers/${id}/${action}`, { token: owner.token });
    expectStatus(await resolve(posted.id, 'post'), 200);
    expectStatus(await resolve(voided.id, 'void'), 200);

    expect((await eventsOf(owner, posted.id, 1)).map((e) => e.type)).toEqual(['hold.posted']);
    expect((await eventsOf(owner, voided.id, 1)).map((e) => e.type)).toEqual(['hold.voided']);
    const deposits = (await readAll(owner, { type: 'transfer.posted' })).events;
    expect(deposits.filter((e) => e.data.toAccountId === from)).toHaveLength(1);
  });

  it('when a seat is held, confirmed and cancelled, then booking.reserved, confirmed and cancelled, seen by the bus operator too', async () => {
    const traveller = await actor('customer');
    const walletId = await openWallet(stack, staff, traveller, 10_000);
    const { sellerId, scheduleId } = await seedBus(stack, staff, { seatCount: 4 });
    const booking = expectStatus<{ id: string }>(
      await call(stack, 'POST', '/v1/bookings', {
        token: traveller.token,
        body: { scheduleId, seats: [2] },
      }),
      201,
    );
    const act = (action: string, body?: unknown) =>
      call(stack, 'POST', `/v1/bookings/${booking.id}/${action}`, { token: traveller.token, body });
    expectStatus(await act('confirm', { accountId: walletId }), 200);
    expectStatus(await act('cancel'), 200);

    const events = await eventsOf(traveller, booking.id, 3);
    expect(events.map((e) => e.type)).toEqual([
      'booking.reserved',
      'booking.confirmed',
      'booking.cancelled',
    ]);
    const operator = await actor('operator', sellerId);
    expect((await eventsOf(operator, booking.id, 3)).map((e) => e.id)).toEqual(
      events.map((e) => e.id),
    );
  });

  it('when payment requests are approved and paid, or rejected, then created, approved, paid and rejected', async () => {
    const requester = await actor('customer');
    const approver = await actor('staff');
    const paid = await openRequest(stack, staff, requester, {
      amountMinor: 300,
      fundedMinor: 1_000,
    });
    const rejected = await openRequest(stack, staff, requester, {
      amountMinor: 300,
      fundedMinor: 1_000,
    });
    const decide = (id: string, decision: string, body: unknown) =>
      call(stack, 'POST', `/v1/payment-requests/${id}/${decision}`, {
        token: approver.token,
        body,
      });
    expectStatus(await decide(paid.request.id, 'approve', { note: 'ok' }), 200);
    expectStatus(await decide(rejected.request.id, 'reject', { reason: 'no' }), 200);

    expect((await eventsOf(requester, paid.request.id, 3)).map((e) => e.type)).toEqual([
      'payment_request.created',
      'payment_request.approved',
      'payment_request.paid',
    ]);
    expect((await eventsOf(requester, rejected.request.id, 2)).map((e) => e.type)).toEqual([
      'payment_request.created',
      'payment_request.rejected',
    ]);
  });
});

describe('timers and refusals that change state write their events too', () => {
  it('when a hold expires, a trip completes, a payout fails and a request expires, then booking.expired, booking.completed, payment_request.payout_failed and payment_request.expired', async () => {
    const short = await useStack({ bookingHoldTtlMs: 1_500, approvalTtlMs: 1_500 });
    const traveller = await actor('customer');
    const walletId = await openWallet(short, staff, traveller, 10_000);
    const { scheduleId } = await seedBus(short, staff, {
      seatCount: 4,
      departsInMs: 2_000,
      durationMs: 1_500,
    });
    const hold = (seats: number[]) =>
      call(short, 'POST', '/v1/bookings', { token: traveller.token, body: { scheduleId, seats } });
    const lapsed = expectStatus<{ id: string }>(await hold([1]), 201);
    const trip = expectStatus<{ id: string }>(await hold([2]), 201);
    expectStatus(
      await call(short, 'POST', `/v1/bookings/${trip.id}/confirm`, {
        token: traveller.token,
        body: { accountId: walletId },
      }),
      200,
    );
    const requester = await actor('customer');
    const unfunded = await openRequest(short, staff, requester, {
      amountMinor: 5_000,
      fundedMinor: 100,
    });
    const ignored = await openRequest(short, staff, requester, { amountMinor: 1, fundedMinor: 1 });
    expectStatus(
      await call(short, 'POST', `/v1/payment-requests/${unfunded.request.id}/approve`, {
        token: (await actor('staff')).token,
        body: { note: 'ok' },
      }),
      200,
    );

    const typesOf = async (who: Actor, id: string, n: number) =>
      (await eventsOf(who, id, n)).map((e) => e.type);
    expect(await typesOf(traveller, lapsed.id, 2)).toEqual(['booking.reserved', 'booking.expired']);
    expect(await typesOf(traveller, trip.id, 3)).toEqual([
      'booking.reserved',
      'booking.confirmed',
      'booking.completed',
    ]);
    expect(await typesOf(requester, unfunded.request.id, 3)).toEqual([
      'payment_request.created',
      'payment_request.approved',
      'payment_request.payout_failed',
    ]);
    expect(await typesOf(requester, ignored.request.id, 2)).toEqual([
      'payment_request.created',
      'payment_request.expired',
    ]);
  });
});

describe('a refused change writes no event', () => {
  it('when an order is refused for stock and a payment for funds, then the buyer’s feed holds only what happened', async () => {
    const buyer = await actor('customer');
    const walletId = await openWallet(stack, staff, buyer, 100);
    const { productIds } = await seedCatalog(stack, staff, {
      products: [{ stock: 1, priceMinor: 500 }],
    });
    const { order } = await placeOrder(buyer);
    const refused = await call(stack, 'POST', '/v1/orders', {
      token: buyer.token,
      body: { lines: [{ productId: productIds[0], quantity: 2 }] },
    });
    expect(refused.body.code).toBe('insufficient_stock');
    const pay = { token: buyer.token, body: { accountId: walletId } };
    expect((await call(stack, 'POST', `/v1/orders/${order.id}/pay`, pay)).body.code).toBe(
      'insufficient_funds',
    );

    await eventsOf(buyer, order.id, 1);
    const rows = await query<{ type: string }>(
      stack.db,
      'SELECT type FROM events WHERE customer_ids @> ARRAY[$1::uuid] ORDER BY txid, id',
      [buyer.sub],
    );
    expect(rows.map((r) => r.type)).toEqual(['transfer.posted', 'order.placed']);
  });
});

describe('the feed', () => {
  it('when other customers and another seller act, then a customer sees only its events and an operator only its seller’s', async () => {
    const [alice, bob] = [await actor('customer'), await actor('customer')];
    const { order, sellerId } = await placeOrder(alice);
    const other = await placeOrder(bob);
    await eventsOf(staff, other.order.id, 1);

    const bobs = (await readAll(bob)).events;
    expect(bobs.some((e) => e.subject.id === order.id)).toBe(false);
    expect(bobs.some((e) => e.subject.id === other.order.id)).toBe(true);
    const operator = await actor('operator', sellerId);
    const seen = (await readAll(operator)).events;
    expect(seen.map((e) => e.subject.id)).toEqual([order.id]);
  });

  it('when the cursor is bad or the type unknown, then 422 and when the feed ends, then nextCursor is where to poll from', async () => {
    const customer = await actor('customer');
    for (const search of ['cursor=abc', 'type=order.shipped', 'limit=0']) {
      const res = await call(stack, 'GET', `/v1/events?${search}`, { token: customer.token });
      expect([res.status, res.body.code]).toEqual([422, 'validation_failed']);
    }
    const { end } = await readAll(customer);
    const { order } = await placeOrder(customer);

    await eventsOf(customer, order.id, 1);
    const after = await readAll(customer, {}, end);
    expect(after.events.map((e) => [e.type, e.subject.id])).toEqual([['order.placed', order.id]]);
  });

  it('when 50 deposits commit concurrently while a reader polls with its cursor, then it sees each event exactly once', async () => {
    const owners = await Promise.all(Array.from({ length: 50 }, () => actor('customer')));
    const { end: start } = await readAll(staff, { type: 'transfer.posted' });
    const seen: string[] = [];
    let cursor = start;
    let writing = true;
    const poller = (async () => {
      while (writing || seen.length < 50) {
        const page = await readAll(staff, { type: 'transfer.posted' }, cursor);
        const ours = page.events.filter((e) => owners.some((o) => e.customerId === o.sub));
        seen.push(...ours.map((e) => e.id));
        cursor = page.end;
        if (!writing && seen.length >= 50) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const wallets = await Promise.all(owners.map((o) => openWallet(stack, staff, o, 2)));
    writing = false;
    await Promise.race([poller, new Promise((resolve) => setTimeout(resolve, 60_000))]);

    expect(wallets).toHaveLength(50);
    expect(seen).toHaveLength(50);
    expect(new Set(seen).size).toBe(50);
  });

  it('when transaction ids cross a power of ten, then the feed pages in numeric order and skips nothing', async () => {
    const ids = [randomUUID(), randomUUID()];
    await query(
      stack.db,
      `INSERT INTO events (id, type, subject_type, subject_id, sequence, data, txid)
       VALUES ($1::uuid, 'hold.voided', 'hold', $1::text, 1, '{}', '9'::xid8),
              ($2::uuid, 'hold.voided', 'hold', $2::text, 1, '{}', '10'::xid8)`,
      ids,
    );
    const pages: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 2; i += 1) {
      const search = new URLSearchParams({
        type: 'hold.voided',
        limit: '1',
        ...(cursor ? { cursor } : {}),
      });
      const page = expectStatus<{ items: FeedEvent[]; nextCursor: string }>(
        await call(stack, 'GET', `/v1/events?${search}`, { token: staff.token }),
        200,
      );
      pages.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    }

    expect(pages).toEqual(ids);
  });

  it('when a transaction that began first commits after a later one, then the reader sees neither until both ended, then both in order', async () => {
    const { end } = await readAll(staff, { type: 'transfer.posted' });
    const event = (id: string) => ({
      type: 'transfer.posted' as const,
      subject: { type: 'transfer' as const, id },
      customerIds: [],
      sellerIds: [],
      data: { id },
    });
    const [first, second] = [`feed-test-${randomUUID()}`, `feed-test-${randomUUID()}`];
    const early = await stack.db.sequelize.transaction();
    const late = await stack.db.sequelize.transaction();
    try {
      await recordEvent(stack.db, early, event(first));
      await recordEvent(stack.db, late, event(second));
      await late.commit();
      const whileOpen = await readAll(staff, { type: 'transfer.posted' }, end);
      expect(whileOpen.events.map((e) => e.subject.id)).not.toContain(second);
    } finally {
      await early.commit();
    }

    const ours = (await readAll(staff, { type: 'transfer.posted' }, end)).events
      .map((e) => e.subject.id)
      .filter((id) => id === first || id === second);
    expect(ours).toEqual([first, second]);
  });
});

describe('webhooks for every event type', () => {
  it('when the changes above have happened, then a staff endpoint for every type got each type, every request signed', async () => {
    await waitFor(async () => hook.typesVerified.size === EVENT_TYPES.length, 30_000);

    expect([...hook.typesVerified].sort()).toEqual([...EVENT_TYPES].sort());
    expect(hook.badSignatures).toBe(0);
  });
});
