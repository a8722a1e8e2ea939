import { printRush } from './report';
import { checkIdempotency, saleAnswersCheck } from './sale-checks';
import { reportSale, type SaleState } from './sale-report';
import {
  demoHiddenProduct,
  readRevenueMinor,
  runFlashSale,
  setupCatalog,
  setupCustomers,
} from './sale-setup';
import { awaitOrderExpiry, cancelOrders, payOrders, planOrders } from './sale-settle';
import type { Scene, SceneContext } from './scene';
import { CUSTOMER_COUNT } from './settings';

/**
 * The flash-sale scene (`npm run demo`): staff create sellers and a catalog of scarce
 * products; a few hundred customers get funded wallets; all of them order at once (with
 * Idempotency-Keys, some sent twice); most winners pay (some with concurrent duplicate pay
 * calls), some cancel, the rest are left to expire. Its report reads stock, orders and balances
 * back and checks that nothing was oversold, every payment debited once and money conserved.
 */

/** DUPLICATE_COUNT is how many orders of the sale are sent twice at the same moment. */
const DUPLICATE_COUNT = 5;

/** playSale runs the sale's six steps; returns what its report reads. */
async function playSale(ctx: SceneContext): Promise<SaleState> {
  const { client, staff } = ctx;
  const products = await ctx.step('Catalog', async () => {
    const created = await setupCatalog(client, staff);
    ctx.record(await demoHiddenProduct(client, staff));
    return created;
  });
  const { customers, revenueBeforeMinor } = await ctx.step('Customers and wallets', async () => ({
    customers: await setupCustomers(client, staff, products),
    revenueBeforeMinor: await readRevenueMinor(client, staff),
  }));
  const { outcomes, ordersPerSecond } = await ctx.step('Flash sale', async () => {
    const sale = await runFlashSale(client, customers, DUPLICATE_COUNT);
    const requestCount = sale.outcomes.length + sale.duplicatePairs.length;
    const results = sale.outcomes.map((o) => o.result);
    const figures = printRush('order', 'orders', { results, wallMs: sale.wallMs }, requestCount);
    ctx.record(saleAnswersCheck(sale.outcomes));
    ctx.record(await checkIdempotency(client, sale.outcomes, sale.duplicatePairs));
    return { outcomes: sale.outcomes, ordersPerSecond: figures.perSecond };
  });
  const wonOrders = planOrders(outcomes);
  await ctx.step('Payments', async () =>
    ctx.record(await payOrders(client, wonOrders, revenueBeforeMinor)),
  );
  await ctx.step('Cancellations', async () => ctx.record(await cancelOrders(client, wonOrders)));
  const expiryCheck = await ctx.step('Expiry', () =>
    awaitOrderExpiry(
      client,
      staff,
      wonOrders.filter((w) => !w.paid && !w.cancelled),
    ),
  );
  ctx.record(expiryCheck);
  const waitedForExpiry = expiryCheck !== undefined;
  return {
    products,
    customers,
    outcomes,
    wonOrders,
    waitedForExpiry,
    ordersPerSecond,
    revenueBeforeMinor,
  };
}

/** saleScene is the flash sale as a Scene: six numbered steps, the stock, money and webhook tables, eleven checks. */
export const saleScene: Scene<SaleState> = {
  title: 'holdfast demo',
  cast: `${CUSTOMER_COUNT} customers`,
  stepPrefix: '',
  checksTitle: 'Checks',
  verdict: 'nothing oversold, every payment debited once, money conserved',
  play: playSale,
  report: reportSale,
  placed: (state) => ({
    type: 'order.placed',
    noun: 'placed orders',
    ids: state.outcomes.filter((o) => o.result.status === 201).map((o) => o.result.body.id),
  }),
};
