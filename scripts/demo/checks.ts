import type { OrderStatus, OrderView } from '../../domain/orders';
import type { DemoClient } from './client';
import type { Check, OrderResult, SaleOutcome, WonOrder } from './model';
import { placeOrder } from './scenario';

/** The demo's checks of the sale's answers and of the orders' end states, and how one prints. */

/** saleAnswersCheck checks that every order of the sale answered 201 or 409 insufficient_stock. */
export function saleAnswersCheck(outcomes: readonly SaleOutcome[]): Check {
  const unexpected = outcomes.filter(
    (o) =>
      o.result.status !== 201 &&
      !(o.result.status === 409 && o.result.body?.code === 'insufficient_stock'),
  );
  return {
    name: 'every order answers 201 or 409 insufficient_stock',
    ok: unexpected.length === 0,
    detail:
      unexpected.map((o) => `${o.result.status} ${JSON.stringify(o.result.body)}`).join('; ') ||
      `${outcomes.length} orders`,
  };
}

/** sameOutcome tells whether two answers to one Idempotency-Key are the same order or refusal. */
function sameOutcome(a: OrderResult, b: OrderResult): boolean {
  return (
    a.status === b.status &&
    a.body?.id === b.body?.id &&
    a.body?.code === b.body?.code &&
    a.body?.totalMinor === b.body?.totalMinor
  );
}

/**
 * checkIdempotency compares the concurrent duplicates with the originals, then re-sends a few
 * more (won and refused) after the sale; each must repeat the outcome, and exactly one answer of
 * every pair must carry `Idempotent-Replayed: true`.
 */
export async function checkIdempotency(
  client: DemoClient,
  outcomes: readonly SaleOutcome[],
  pairs: readonly SaleOutcome[],
): Promise<Check> {
  const byCustomer = new Map(outcomes.map((o) => [o.customer, o.result]));
  const won = outcomes.filter((o) => o.result.status === 201).slice(0, 3);
  const refused = outcomes.filter((o) => o.result.status === 409).slice(0, 2);
  const later = await Promise.all(
    [...won, ...refused].map(async (o) => ({
      customer: o.customer,
      result: await placeOrder(client, o.customer),
    })),
  );
  const problems: string[] = [];
  const describe = (r: OrderResult) =>
    `${r.status} ${r.body?.id ?? r.body?.code}${r.replayed ? ' (replayed)' : ''}`;
  for (const [kind, list] of [
    ['concurrent', pairs],
    ['after sale', later],
  ] as const) {
    for (const { customer, result } of list) {
      const original = byCustomer.get(customer)!;
      const replays = Number(original.replayed) + Number(result.replayed);
      const ok =
        sameOutcome(original, result) &&
        (kind === 'concurrent' ? replays === 1 : result.replayed && !original.replayed);
      console.log(
        `  ${kind.padEnd(10)} duplicate of key ${customer.idempotencyKey.slice(0, 8)}…: first ${describe(original)}, second ${describe(result)} ${ok ? 'ok' : 'MISMATCH'}`,
      );
      if (!ok)
        problems.push(
          `${kind} ${customer.idempotencyKey}: ${describe(original)} vs ${describe(result)}`,
        );
    }
  }
  return {
    name: 'duplicate POST /v1/orders replays the same outcome',
    ok: problems.length === 0,
    detail: problems.join('; ') || `${pairs.length + later.length} duplicates replayed`,
  };
}

/** expectedStatus is the status a won order should end in, given what the demo did to it. */
function expectedStatus(won: WonOrder, waitedForExpiry: boolean): OrderStatus {
  if (won.cancelled) return 'cancelled';
  if (won.paid) return 'paid';
  return waitedForExpiry ? 'expired' : 'pending_payment';
}

/** statusMismatches lists won orders whose stored status differs from what the demo did. */
export function statusMismatches(
  wonOrders: readonly WonOrder[],
  finalOrders: readonly OrderView[],
  waitedForExpiry: boolean,
): string[] {
  return wonOrders
    .map((w, i) => ({
      w,
      actual: finalOrders[i]!.status,
      expected: expectedStatus(w, waitedForExpiry),
    }))
    .filter(({ actual, expected }) => actual !== expected)
    .map(({ w, actual, expected }) => `order ${w.order.id}: ${actual}, expected ${expected}`);
}

/** printCheck prints one check line and returns whether it passed. */
export function printCheck(check: Check): boolean {
  console.log(
    `  [${check.ok ? 'ok' : 'FAIL'}] ${check.name}${check.ok ? ` (${check.detail})` : `: ${check.detail.slice(0, 2000)}`}`,
  );
  return check.ok;
}
