import { randomUUID } from 'node:crypto';
import { resourceIdFor } from '../../domain/ids';
import type { Outcome } from './model';
import type { Customer } from './seed';
import { checkAnswer, pickFate, runClients, think, type WorkloadContext } from './workload';

/**
 * The orders workload: each client is one buyer placing orders with an Idempotency-Key, then
 * paying some, cancelling some (paid or not) and leaving the rest to their payment timer.
 * A few orders ask for more than the stock on purpose (409 insufficient_stock: no trace).
 */

/**
 * PLACED_STATUSES may answer an acknowledged placement: pending payment, or already expired
 * when the answer reached the client only after its payment TTL (a retry is answered with the
 * stored order as it stands).
 */
const PLACED_STATUSES = ['pending_payment', 'expired'];

/** OrderStory is one order a buyer placed and what happened to it, step by step. */
export interface OrderStory {
  orderId: string;
  buyer: Customer;
  lines: { productId: string; quantity: number }[];
  place: Outcome;
  pay?: Outcome;
  cancel?: Outcome;
}

/** OrdersLog is everything the orders workload did. */
export interface OrdersLog {
  stories: OrderStory[];
}

/** GREEDY_QUANTITY is an order line no product has stock for. */
const GREEDY_QUANTITY = 5_000;

/** runOrders runs `clientsN` buyers (one customer each) until the load ends. */
export async function runOrders(ctx: WorkloadContext, clientsN: number): Promise<OrdersLog> {
  const log: OrdersLog = { stories: [] };
  await runClients(ctx, clientsN, async (clientIndex) => {
    const buyer = ctx.world.shop.buyers[clientIndex]!;
    const story = await place(ctx, buyer);
    log.stories.push(story);
    if (story.place.kind === 'acked') await settle(ctx, story);
  });
  return log;
}

async function place(ctx: WorkloadContext, buyer: Customer): Promise<OrderStory> {
  const { productIds } = ctx.world.shop;
  const first = ctx.random.int(0, productIds.length - 1);
  const lines = [{ productId: productIds[first]!, quantity: ctx.random.int(1, 3) }];
  if (ctx.random.chance(0.4))
    lines.push({
      productId: productIds[(first + 1) % productIds.length]!,
      quantity: ctx.random.int(1, 2),
    });
  if (ctx.random.chance(0.08)) lines[0]!.quantity = GREEDY_QUANTITY;
  const key = randomUUID();
  const orderId = resourceIdFor({ sub: buyer.actor.sub, idempotencyKey: key, scope: 'order' });
  const outcome = await ctx.client.send('orders', {
    method: 'POST',
    path: '/v1/orders',
    token: buyer.actor.token,
    key,
    body: { lines, paymentMethod: 'wallet' },
  });
  checkAnswer(ctx, `order ${orderId}`, outcome, {
    acked: (order) => order?.id === orderId && PLACED_STATUSES.includes(order?.status),
    refusedCodes: ['insufficient_stock'],
  });
  return { orderId, buyer, lines, place: outcome };
}

/** settle pays, cancels, pays then cancels, or leaves the order, after a short pause each. */
async function settle(ctx: WorkloadContext, story: OrderStory): Promise<void> {
  const fate = pickFate(ctx);
  if (fate === 'leave') return;
  await think(ctx, 1_500);
  if (!ctx.running()) return;
  if (fate !== 'cancel') {
    story.pay = await action(ctx, story, 'pay', { accountId: story.buyer.accountId });
    checkAnswer(ctx, `pay order ${story.orderId}`, story.pay, {
      acked: (order) => order?.status === 'paid',
      refusedCodes: ['insufficient_funds', 'order_expired'],
    });
    if (fate === 'settle') return;
    await think(ctx, 1_000);
    if (!ctx.running()) return;
  }
  story.cancel = await action(ctx, story, 'cancel', undefined);
  checkAnswer(ctx, `cancel order ${story.orderId}`, story.cancel, {
    acked: (order) => order?.status === 'cancelled',
    refusedCodes: ['invalid_transition', 'order_expired'],
  });
}

function action(
  ctx: WorkloadContext,
  story: OrderStory,
  verb: 'pay' | 'cancel',
  body: unknown,
): Promise<Outcome> {
  return ctx.client.send('orders', {
    method: 'POST',
    path: `/v1/orders/${story.orderId}/${verb}`,
    token: story.buyer.actor.token,
    key: randomUUID(),
    body,
  });
}
