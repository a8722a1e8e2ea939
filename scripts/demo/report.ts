import type { OrderView } from '../../domain/orders';
import type { Actor } from '../../test/helpers/actors';
import { expectStatus } from '../../test/helpers/http';
import type { ProductView } from '../../domain/catalog';
import type { DemoClient } from './client';
import type { Check, Customer, Product, SaleOutcome, WonOrder } from './model';
import { printCheck, statusMismatches } from './checks';
import { readOrder, readRevenueMinor } from './scenario';
import { SETUP_CONCURRENCY } from './settings';
import { mapLimit } from '../shared/async';
import { authHeaders, readAccount } from '../../test/helpers/resources';
import { euros, heading } from './util';

/**
 * What the demo prints about its results: the sale's figures, the stock and money tables, and
 * the checks that decide PASS or FAIL.
 */

/** summariseSale prints the status counts, latencies and orders per second of the sale; returns orders/s. */
export function summariseSale(
  outcomes: readonly SaleOutcome[],
  requestCount: number,
  wallMs: number,
): number {
  const counts = new Map<string, number>();
  for (const { result } of outcomes) {
    const key = `${result.status}${result.body?.code ? ` ${result.body.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const retried = outcomes.filter((o) => o.result.attempts > 1).length;
  const ordersPerSecond = requestCount / (wallMs / 1000);
  const latenciesMs = outcomes.map((o) => o.result.elapsedMs).sort((a, b) => a - b);
  const percentileMs = (p: number) =>
    latenciesMs[
      Math.min(latenciesMs.length - 1, Math.floor((p / 100) * latenciesMs.length))
    ]!.toFixed(0);
  console.log(
    `${requestCount} requests in ${(wallMs / 1000).toFixed(2)} s → ${ordersPerSecond.toFixed(1)} orders/s`,
  );
  console.log(
    `latency per order: p50 ${percentileMs(50)} ms, p95 ${percentileMs(95)} ms, max ${percentileMs(100)} ms`,
  );
  console.log(
    `outcomes: ${[...counts.entries()].map(([k, n]) => `${k} ×${n}`).join(', ')}${retried ? `; ${retried} needed a retry` : ''}`,
  );
  return ordersPerSecond;
}

/** unitsOf sums the units of `productId` over `orders`. */
function unitsOf(orders: readonly OrderView[], productId: string): number {
  return orders.reduce(
    (sum, o) =>
      sum + o.lines.filter((l) => l.productId === productId).reduce((s, l) => s + l.quantity, 0),
    0,
  );
}

/** ProductRow is one line of the stock table, plus whether its stock checks hold. */
interface ProductRow {
  row: Record<string, string | number>;
  problems: string[];
}

/**
 * productRow reads a product (staff) and compares it with the orders: available ≥ 0,
 * available = onHand − reserved, reserved + sold ≤ initial, units in paid+pending orders =
 * reserved, units in fulfilled orders = sold.
 */
async function productRow(
  client: DemoClient,
  staff: Actor,
  product: Product,
  outcomes: readonly SaleOutcome[],
  finalOrders: readonly OrderView[],
): Promise<ProductRow> {
  const view = expectStatus(
    await client.send<ProductView>(() =>
      client.api.GET('/v1/products/{id}', {
        params: { path: { id: product.id } },
        headers: authHeaders(staff.token),
      }),
    ),
    200,
    `read product ${product.id}`,
  );
  const placed = outcomes.filter(
    (o) => o.result.status === 201 && o.result.body.lines.some((l) => l.productId === product.id),
  ).length;
  const refused = outcomes.filter(
    (o) =>
      o.result.status === 409 &&
      (o.result.body.lines ?? []).some((l) => l.productId === product.id),
  ).length;
  const held = unitsOf(
    finalOrders.filter((o) => o.status === 'pending_payment' || o.status === 'paid'),
    product.id,
  );
  const fulfilled = unitsOf(
    finalOrders.filter((o) => o.status === 'fulfilled'),
    product.id,
  );
  const sold = product.initialStock - view.stockOnHand;
  const problems: string[] = [];
  if (view.available < 0) problems.push('available < 0');
  if (view.available !== view.stockOnHand - view.reserved)
    problems.push('available ≠ onHand − reserved');
  if (view.reserved + sold > product.initialStock) problems.push('reserved + sold > initial stock');
  if (held !== view.reserved)
    problems.push(`units in paid+pending orders ${held} ≠ reserved ${view.reserved}`);
  if (fulfilled !== sold) problems.push(`units in fulfilled orders ${fulfilled} ≠ sold ${sold}`);
  const row = {
    product: product.name,
    initial: product.initialStock,
    'orders 201': placed,
    'refused 409': refused,
    'units ordered': unitsOf(
      outcomes.filter((o) => o.result.status === 201).map((o) => o.result.body),
      product.id,
    ),
    'paid units': unitsOf(
      finalOrders.filter((o) => o.status === 'paid'),
      product.id,
    ),
    reserved: view.reserved,
    sold,
    'on hand': view.stockOnHand,
    available: view.available,
    check: problems.length ? 'FAIL' : 'ok',
  };
  return { row, problems: problems.map((p) => `${product.name}: ${p}`) };
}

/**
 * formatTable renders rows as a boxed text table (first column left-aligned, others right);
 * the last `footerRows` rows are set apart by a rule.
 */
export function formatTable(
  rows: readonly Record<string, string | number>[],
  footerRows = 0,
): string {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const render = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const body = rows.map((r) => render(columns.map((c) => String(r[c]))));
  const split = body.length - footerRows;
  const footer = footerRows > 0 ? [rule, ...body.slice(split)] : [];
  return [rule, render(columns), rule, ...body.slice(0, split), ...footer, rule].join('\n');
}

/**
 * walletProblems reads every wallet (GET /v1/accounts/:id, bounded concurrency) and checks
 * balance = deposit − totals of the customer's orders that are paid (or fulfilled) now, and
 * that no hold is left open. Returns the problems and the sum of balances in minor units.
 */
async function walletProblems(
  client: DemoClient,
  staff: Actor,
  customers: readonly Customer[],
  finalOrders: readonly OrderView[],
): Promise<{ problems: string[]; sumMinor: number }> {
  const chargedMinor = new Map<string, number>();
  for (const o of finalOrders) {
    if (o.status === 'paid' || o.status === 'fulfilled')
      chargedMinor.set(o.customerId, (chargedMinor.get(o.customerId) ?? 0) + o.totalMinor);
  }
  const wallets = await mapLimit(customers, SETUP_CONCURRENCY, (c) =>
    readAccount(client, staff, c.walletId),
  );
  const problems: string[] = [];
  customers.forEach((c, i) => {
    const wallet = wallets[i]!;
    const expectedMinor = c.depositMinor - (chargedMinor.get(c.sub) ?? 0);
    if (wallet.balanceMinor !== expectedMinor)
      problems.push(
        `wallet ${wallet.id}: balance ${wallet.balanceMinor} ≠ expected ${expectedMinor}`,
      );
    if (wallet.availableMinor !== wallet.balanceMinor)
      problems.push(
        `wallet ${wallet.id}: available ${wallet.availableMinor} ≠ balance ${wallet.balanceMinor}`,
      );
  });
  return { problems, sumMinor: wallets.reduce((sum, w) => sum + w.balanceMinor, 0) };
}

/** DemoState is everything the summary needs from the earlier steps. */
export interface DemoState {
  client: DemoClient;
  staff: Actor;
  products: Product[];
  customers: Customer[];
  outcomes: SaleOutcome[];
  wonOrders: WonOrder[];
  waitedForExpiry: boolean;
  ordersPerSecond: number;
  revenueBeforeMinor: number;
  checks: Check[];
}

/** printStockSummary prints the stock table and the orders' statuses now; returns the table's rows. */
async function printStockSummary(
  state: DemoState,
  finalOrders: readonly OrderView[],
): Promise<ProductRow[]> {
  const { client, staff, outcomes, wonOrders } = state;
  const counts = new Map<string, number>();
  for (const o of finalOrders) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  heading('Summary: stock');
  const rows = await mapLimit(state.products, SETUP_CONCURRENCY, (p) =>
    productRow(client, staff, p, outcomes, finalOrders),
  );
  console.log(formatTable(rows.map((r) => r.row)));
  if (rows.some((r) => Number(r.row['units ordered']) > Number(r.row.initial))) {
    console.log(
      'note: "units ordered" exceeds the initial stock where an order expired during the sale (payment TTL shorter',
    );
    console.log(
      '      than the sale) and its released units were won by a later order; "reserved" is what is held now.',
    );
  }
  console.log(
    `orders now: ${[...counts.entries()].map(([s, n]) => `${s} ${n}`).join(', ')} (of ${wonOrders.length} placed, ${outcomes.length - wonOrders.length} refused)`,
  );
  return rows;
}

/** MoneyFigures are the summary's amounts in minor units, and the wallets' problems. */
interface MoneyFigures {
  depositedMinor: number;
  wallets: { problems: string[]; sumMinor: number };
  revenueRunMinor: number;
  paidTotalMinor: number;
}

/** printMoneySummary reads wallets and revenue, prints the money table and returns its figures. */
async function printMoneySummary(
  state: DemoState,
  finalOrders: readonly OrderView[],
): Promise<MoneyFigures> {
  const { client, staff, customers } = state;
  heading('Summary: money');
  const depositedMinor = customers.reduce((sum, c) => sum + c.depositMinor, 0);
  const wallets = await walletProblems(client, staff, customers, finalOrders);
  const revenueAfterMinor = await readRevenueMinor(client, staff);
  const revenueRunMinor = revenueAfterMinor - state.revenueBeforeMinor;
  const paidTotalMinor = finalOrders
    .filter((o) => o.status === 'paid' || o.status === 'fulfilled')
    .reduce((s, o) => s + o.totalMinor, 0);
  console.log(
    formatTable(
      [
        { item: 'total deposited', amount: euros(depositedMinor) },
        { item: `sum of ${customers.length} wallet balances`, amount: euros(wallets.sumMinor) },
        { item: 'revenue from this run', amount: euros(revenueRunMinor) },
        {
          item: '  (revenue account before → after)',
          amount: `${euros(state.revenueBeforeMinor)} → ${euros(revenueAfterMinor)}`,
        },
        { item: 'totals of orders paid now', amount: euros(paidTotalMinor) },
        {
          item: 'wallets + revenue from this run',
          amount: euros(wallets.sumMinor + revenueRunMinor),
        },
        { item: 'flash sale throughput', amount: `${state.ordersPerSecond.toFixed(1)} orders/s` },
      ],
      2,
    ),
  );
  return { depositedMinor, wallets, revenueRunMinor, paidTotalMinor };
}

/** finalChecks builds the end-state checks (stock, wallets, money, statuses) after the earlier ones. */
function finalChecks(
  state: DemoState,
  finalOrders: readonly OrderView[],
  rows: readonly ProductRow[],
  money: MoneyFigures,
): Check[] {
  const { wallets, revenueRunMinor, depositedMinor, paidTotalMinor } = money;
  const stockProblems = rows.flatMap((r) => r.problems);
  const mismatches = statusMismatches(state.wonOrders, finalOrders, state.waitedForExpiry);
  const conserved =
    wallets.sumMinor + revenueRunMinor === depositedMinor && revenueRunMinor === paidTotalMinor;
  return [
    {
      name: 'nothing oversold',
      ok: stockProblems.length === 0,
      detail: stockProblems.join('; ') || `${state.products.length} products`,
    },
    {
      name: 'every payment debited once',
      ok: wallets.problems.length === 0,
      detail:
        wallets.problems.join('; ') ||
        `${state.customers.length} wallets match deposits − paid orders`,
    },
    {
      name: 'money conserved',
      ok: conserved,
      detail: conserved
        ? 'wallets + revenue = deposits'
        : `wallets ${wallets.sumMinor} + revenue ${revenueRunMinor} vs deposits ${depositedMinor}, paid orders ${paidTotalMinor}`,
    },
    {
      name: 'orders end in the expected status',
      ok: mismatches.length === 0,
      detail: mismatches.join('; ') || `${state.wonOrders.length} orders`,
    },
    ...state.checks,
  ];
}

/** summarise prints the stock and money tables and the checks; returns true when all pass. */
export async function summarise(state: DemoState): Promise<boolean> {
  const finalOrders = await mapLimit(state.wonOrders, SETUP_CONCURRENCY, (w) =>
    readOrder(state.client, state.staff, w.order.id),
  );
  const rows = await printStockSummary(state, finalOrders);
  const money = await printMoneySummary(state, finalOrders);
  heading('Checks');
  const checks = finalChecks(state, finalOrders, rows, money);
  const passed = checks.map(printCheck).every(Boolean);
  console.log(
    `\n${passed ? 'PASS' : 'FAIL'}: nothing oversold, every payment debited once, money conserved (${checks.filter((c) => c.ok).length}/${checks.length} checks)`,
  );
  return passed;
}
