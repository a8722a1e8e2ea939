import type { ProductView } from '../../domain/catalog';
import type { OrderView } from '../../domain/orders';
import type { Actor } from '../../tools/actors';
import { mapLimit } from '../shared/async';
import type { DemoClient } from './client';
import { euros, formatCounts, formatTable, heading, type TableRow } from './report';
import { endStateChecks } from './sale-checks';
import type { Customer, Product, SaleOutcome, WonOrder } from './sale-model';
import { readOrder, readRevenueMinor } from './sale-setup';
import type { Check, SceneContext } from './scene';
import { SETUP_CONCURRENCY } from './settings';
import { staffRead, walletProblems } from './seed';

/** The flash sale's report: the stock table and the money table, read back from the service. */

/** SaleState is what the sale's steps hand to its report. */
export interface SaleState {
  products: Product[];
  customers: Customer[];
  outcomes: SaleOutcome[];
  wonOrders: WonOrder[];
  waitedForExpiry: boolean;
  ordersPerSecond: number;
  revenueBeforeMinor: number;
}

/** unitsOf sums the units of `productId` over `orders`. */
function unitsOf(orders: readonly OrderView[], productId: string): number {
  return orders.reduce(
    (sum, o) =>
      sum + o.lines.filter((l) => l.productId === productId).reduce((s, l) => s + l.quantity, 0),
    0,
  );
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
): Promise<TableRow> {
  const view = await staffRead<ProductView>(
    client,
    staff,
    `read product ${product.id}`,
    (headers) =>
      client.api.GET('/v1/products/{id}', { params: { path: { id: product.id } }, headers }),
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

/** printStockSummary prints the stock table and the orders' statuses now; returns the table's rows. */
async function printStockSummary(
  ctx: SceneContext,
  state: SaleState,
  finalOrders: readonly OrderView[],
): Promise<TableRow[]> {
  const { outcomes, wonOrders } = state;
  heading('Summary: stock');
  const rows = await mapLimit(state.products, SETUP_CONCURRENCY, (p) =>
    productRow(ctx.client, ctx.staff, p, outcomes, finalOrders),
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
    `orders now: ${formatCounts(finalOrders, (o) => o.status, ' ')} (of ${wonOrders.length} placed, ${outcomes.length - wonOrders.length} refused)`,
  );
  return rows;
}

/**
 * expectedWallets gives each customer's wallet its expected balance: the deposit − the totals
 * of its orders that are paid (or fulfilled) now, in minor units.
 */
function expectedWallets(state: SaleState, finalOrders: readonly OrderView[]) {
  const chargedMinor = new Map<string, number>();
  for (const o of finalOrders) {
    if (o.status === 'paid' || o.status === 'fulfilled')
      chargedMinor.set(o.customerId, (chargedMinor.get(o.customerId) ?? 0) + o.totalMinor);
  }
  return state.customers.map((c) => ({
    walletId: c.walletId,
    expectedMinor: c.depositMinor - (chargedMinor.get(c.sub) ?? 0),
  }));
}

/** MoneyFigures are the money table's amounts in minor units, and the wallets' problems. */
export interface MoneyFigures {
  depositedMinor: number;
  wallets: { problems: string[]; sumMinor: number };
  revenueRunMinor: number;
  paidTotalMinor: number;
}

/** printMoneySummary reads wallets and revenue, prints the money table and returns its figures. */
async function printMoneySummary(
  ctx: SceneContext,
  state: SaleState,
  finalOrders: readonly OrderView[],
): Promise<MoneyFigures> {
  const { customers } = state;
  heading('Summary: money');
  const depositedMinor = customers.reduce((sum, c) => sum + c.depositMinor, 0);
  const wallets = await walletProblems(ctx.client, ctx.staff, expectedWallets(state, finalOrders));
  const revenueAfterMinor = await readRevenueMinor(ctx.client, ctx.staff);
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

/** reportSale reads every won order back, prints the stock and money tables; returns the end-state checks. */
export async function reportSale(ctx: SceneContext, state: SaleState): Promise<Check[]> {
  const finalOrders = await mapLimit(state.wonOrders, SETUP_CONCURRENCY, (w) =>
    readOrder(ctx.client, ctx.staff, w.order.id),
  );
  const rows = await printStockSummary(ctx, state, finalOrders);
  const money = await printMoneySummary(ctx, state, finalOrders);
  return endStateChecks(state, finalOrders, rows, money);
}
