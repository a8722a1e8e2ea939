import type { OrderView } from '../../domain/orders';
import type { Actor } from '../../tools/actors';
import { authHeaders } from '../../tools/resources';
import { mapLimit, shuffle } from '../shared/async';
import { withBar } from '../shared/progress';
import type { DemoClient, Problem } from './client';
import { awaitExpiry } from './progress';
import { euros, formatCounts } from './report';
import type { OrderResult, Plan, SaleOutcome, WonOrder } from './sale-model';
import { readOrder } from './sale-setup';
import { check, type Check } from './scene';
import { RICH_DEPOSIT_MINOR, SETUP_CONCURRENCY } from './settings';

/**
 * The scenario after the sale: most winners pay (some with concurrent duplicate pay calls),
 * some cancel (paid ones are refunded), the rest are left to expire.
 */

/**
 * planOrders assigns every won order what happens next: 15 % left unpaid (to expire), 10 %
 * cancelled unpaid, 15 % paid then cancelled (refund), the rest paid.
 */
export function planOrders(outcomes: readonly SaleOutcome[]): WonOrder[] {
  const won = shuffle(outcomes.filter((o) => o.result.status === 201));
  return won.map(({ customer, result }, i): WonOrder => {
    const slot = i % 20;
    const plan: Plan =
      slot < 3 ? 'leaveUnpaid' : slot < 5 ? 'cancelUnpaid' : slot < 8 ? 'payThenCancel' : 'pay';
    return { order: result.body, customer, plan, paid: false, cancelled: false };
  });
}

/** payOnce sends POST /v1/orders/:id/pay from the owner's wallet and records the outcome. */
async function payOnce(client: DemoClient, won: WonOrder): Promise<OrderResult> {
  const result = await client.send<OrderView & Problem>(() =>
    client.api.POST('/v1/orders/{id}/pay', {
      params: { path: { id: won.order.id } },
      body: { accountId: won.customer.walletId },
      headers: authHeaders(won.customer.token),
    }),
  );
  if (result.status === 200 && result.body.status === 'paid') {
    won.paid = true;
    won.order = result.body;
  } else {
    won.payError = `${result.status} ${result.body?.code ?? ''}`.trim();
  }
  return result;
}

/**
 * demoConcurrentPays pays a few well-funded orders with 3–5 simultaneous pay calls each; all
 * must answer 200 with the same paid order and payment transfer (the wallet check later shows
 * it was debited once).
 */
async function demoConcurrentPays(
  client: DemoClient,
  toPay: readonly WonOrder[],
): Promise<{ check: Check; used: Set<WonOrder> }> {
  const picked = toPay.filter((w) => w.customer.depositMinor === RICH_DEPOSIT_MINOR).slice(0, 4);
  const problems: string[] = [];
  await Promise.all(
    picked.map(async (won, i) => {
      const callCount = 3 + (i % 3);
      const results = await Promise.all(
        Array.from({ length: callCount }, () => payOnce(client, won)),
      );
      const transfers = new Set(results.map((r) => r.body?.paymentTransferId));
      const ok =
        results.every(
          (r) => r.status === 200 && r.body.status === 'paid' && r.body.id === won.order.id,
        ) && transfers.size === 1;
      console.log(
        `  ${callCount} concurrent pays of order ${won.order.id.slice(0, 8)}… (${euros(won.order.totalMinor)}): ${results.map((r) => r.status).join(', ')} → ${ok ? 'one payment' : 'MISMATCH'}`,
      );
      if (!ok)
        problems.push(
          `${won.order.id}: ${results.map((r) => `${r.status} ${r.body?.status ?? r.body?.code}`).join(', ')}`,
        );
    }),
  );
  if (picked.length === 0) problems.push('no order was paid concurrently');
  return {
    check: check(
      'concurrent pay calls all answer 200 with one payment',
      problems,
      `${picked.length} orders`,
    ),
    used: new Set(picked),
  };
}

/** payOrders pays every order planned to be paid (bounded concurrency); returns the concurrent-pay Check. */
export async function payOrders(
  client: DemoClient,
  wonOrders: readonly WonOrder[],
  revenueBeforeMinor: number,
): Promise<Check> {
  const toPay = wonOrders.filter((w) => w.plan === 'pay' || w.plan === 'payThenCancel');
  const { check, used } = await demoConcurrentPays(client, toPay);
  await withBar(
    'paying',
    toPay.filter((w) => !used.has(w)),
    SETUP_CONCURRENCY,
    (won) => payOnce(client, won),
  );
  const paid = toPay.filter((w) => w.paid);
  const errors = formatCounts(
    toPay.filter((w) => !w.paid),
    (w) => w.payError!,
  );
  console.log(
    `paid ${paid.length}/${toPay.length} orders (${euros(paid.reduce((s, w) => s + w.order.totalMinor, 0))})` +
      `${errors ? `; refused: ${errors}` : ''}; revenue before payments ${euros(revenueBeforeMinor)}`,
  );
  return check;
}

/**
 * cancelOrders cancels the unpaid orders planned for it and the paid-then-cancel orders that
 * were paid; each must answer 200 `cancelled`, a paid one with a refund transfer.
 */
export async function cancelOrders(
  client: DemoClient,
  wonOrders: readonly WonOrder[],
): Promise<Check> {
  const targets = wonOrders.filter(
    (w) => w.plan === 'cancelUnpaid' || (w.plan === 'payThenCancel' && w.paid),
  );
  const problems: string[] = [];
  await withBar('cancelling', targets, SETUP_CONCURRENCY, async (won) => {
    const result = await client.send<OrderView & Problem>(() =>
      client.api.POST('/v1/orders/{id}/cancel', {
        params: { path: { id: won.order.id } },
        headers: authHeaders(won.customer.token),
      }),
    );
    const refunded = !won.paid || result.body?.refundTransferId !== null;
    if (result.status === 200 && result.body.status === 'cancelled' && refunded) {
      won.cancelled = true;
      won.order = result.body;
    } else {
      problems.push(`${won.order.id}: ${result.status} ${JSON.stringify(result.body)}`);
    }
  });
  const paidCancelled = targets.filter((w) => w.paid && w.cancelled).length;
  console.log(
    `cancelled ${targets.length - problems.length}/${targets.length} orders: ${paidCancelled} paid (refunded), ${targets.length - paidCancelled - problems.length} unpaid`,
  );
  return check(
    'cancel answers 200 cancelled (with refund when paid)',
    problems,
    `${targets.length} cancelled`,
  );
}

/**
 * awaitOrderExpiry handles the orders left unpaid: when the last expiresAt is at most
 * EXPIRY_WAIT_LIMIT_MS away it waits until all read `expired` (./progress.ts awaitExpiry);
 * otherwise it explains when they will expire. Returns a Check when it waited, else undefined.
 */
export async function awaitOrderExpiry(
  client: DemoClient,
  staff: Actor,
  unpaid: readonly WonOrder[],
): Promise<Check | undefined> {
  if (unpaid.length === 0) return undefined;
  const pending = await awaitExpiry({
    items: unpaid,
    expiresAtMs: (w) => Date.parse(w.order.expiresAt),
    tooFar: (soonestMs, latestMs) => [
      `${unpaid.length} unpaid orders will expire from ${new Date(soonestMs).toISOString()} to ${new Date(latestMs).toISOString()};`,
      'they count as pending below. To watch them expire in the demo, start the service with `ORDER_PAYMENT_TTL=20s npm run dev`.',
    ],
    waiting: (latestMs) =>
      `${unpaid.length} unpaid orders expire by ${new Date(latestMs).toISOString()}; waiting for the payment timers…`,
    label: 'payment TTL',
    stillPending: async (orders) => {
      const now = await mapLimit(orders, SETUP_CONCURRENCY, (w) =>
        readOrder(client, staff, w.order.id),
      );
      return orders.filter((_, i) => now[i]!.status !== 'expired');
    },
  });
  if (pending === undefined) return undefined;
  console.log(
    `${unpaid.length - pending.length}/${unpaid.length} unpaid orders now read \`expired\``,
  );
  return check(
    'unpaid orders expire',
    pending.length ? [`still not expired: ${pending.map((w) => w.order.id).join(', ')}`] : [],
    `${unpaid.length} expired`,
  );
}
