import type { OrderStatus, OrderView } from '../../domain/orders';
import type { DemoClient } from './client';
import type { TableRow } from './report';
import type { OrderResult, SaleOutcome, WonOrder } from './sale-model';
import type { MoneyFigures, SaleState } from './sale-report';
import { placeOrder } from './sale-setup';
import { check, type Check } from './scene';

/** The flash sale's PASS/FAIL checks: the sale's answers, idempotent replays and the end state. */

/** saleAnswersCheck checks that every order of the sale answered 201 or 409 insufficient_stock. */
export function saleAnswersCheck(outcomes: readonly SaleOutcome[]): Check {
  const unexpected = outcomes.filter(
    (o) =>
      o.result.status !== 201 &&
      !(o.result.status === 409 && o.result.body?.code === 'insufficient_stock'),
  );
  return check(
    'every order answers 201 or 409 insufficient_stock',
    unexpected.map((o) => `${o.result.status} ${JSON.stringify(o.result.body)}`),
    `${outcomes.length} orders`,
  );
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
  return check(
    'duplicate POST /v1/orders replays the same outcome',
    problems,
    `${pairs.length + later.length} duplicates replayed`,
  );
}

/** expectedStatus is the status a won order should end in, given what the demo did to it. */
function expectedStatus(won: WonOrder, waitedForExpiry: boolean): OrderStatus {
  if (won.cancelled) return 'cancelled';
  if (won.paid) return 'paid';
  return waitedForExpiry ? 'expired' : 'pending_payment';
}

/** statusMismatches lists won orders whose stored status differs from what the demo did. */
function statusMismatches(
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

/**
 * endStateChecks builds the checks of the state the sale left: stock per product (`rows`),
 * wallets and conservation of money (`money`, minor units), and every won order's status.
 */
export function endStateChecks(
  state: SaleState,
  finalOrders: readonly OrderView[],
  rows: readonly TableRow[],
  money: MoneyFigures,
): Check[] {
  const { wallets, revenueRunMinor, depositedMinor, paidTotalMinor } = money;
  const conserved =
    wallets.sumMinor + revenueRunMinor === depositedMinor && revenueRunMinor === paidTotalMinor;
  const moneyProblem = `wallets ${wallets.sumMinor} + revenue ${revenueRunMinor} vs deposits ${depositedMinor}, paid orders ${paidTotalMinor}`;
  return [
    check(
      'nothing oversold',
      rows.flatMap((r) => r.problems),
      `${state.products.length} products`,
    ),
    check(
      'every payment debited once',
      wallets.problems,
      `${state.customers.length} wallets match deposits − paid orders`,
    ),
    check('money conserved', conserved ? [] : [moneyProblem], 'wallets + revenue = deposits'),
    check(
      'orders end in the expected status',
      statusMismatches(state.wonOrders, finalOrders, state.waitedForExpiry),
      `${state.wonOrders.length} orders`,
    ),
  ];
}
