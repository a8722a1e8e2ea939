import type { Actor } from '../../test/helpers/actors';
import { exitWithUsage, parseCli } from '../shared/cli';
import { awaitExpiry, cancelOrders, payOrders, planOrders } from './after-sale';
import { checkIdempotency, saleAnswersCheck } from './checks';
import { createClient, type DemoClient } from './client';
import type { Check } from './model';
import { summarise, summariseSale } from './report';
import {
  demoHiddenProduct,
  readRevenueMinor,
  runFlashSale,
  setupCatalog,
  setupCustomers,
} from './scenario';
import {
  ATTEMPTS_MAX,
  BACKOFF_BASE_MS,
  BASE_URL,
  CUSTOMER_COUNT,
  JWT_SECRET,
  READY_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  isScene,
  RUN_TAG,
  USAGE,
  type Scene,
} from './settings';
import { runTravelScene } from './travel';
import { heading } from './util';

/**
 * `npm run demo`: a flash sale against the RUNNING holdfast service, over HTTP only.
 *
 * Staff create sellers and a catalog of scarce products; a few hundred customers get funded
 * wallets; all of them order at once (with Idempotency-Keys, some sent twice); most winners
 * pay (some with concurrent duplicate pay calls), some cancel, the rest are left to expire.
 * Finally it reads stock, orders and balances back and checks that nothing was oversold, every
 * payment debited once and money was conserved. Exit code 0 on PASS, 1 on FAIL.
 *
 * `npm run demo -- --scene travel` runs the bus-seat and hotel-night rush instead
 * (./travel.ts), `--scene all` runs both; `--help` prints the usage, and any other argument
 * prints it with an error and exits 2.
 *
 * Env: HOLDFAST_URL (default http://127.0.0.1:$PORT, PORT default 3000), JWT_SECRET (as the
 * server), DEMO_CUSTOMERS (default 240, at least 200). See ./settings.ts.
 */

/** main runs the chosen scene(s) and exits 0 on PASS, 1 on FAIL, 2 on a bad command line. */
async function main(): Promise<void> {
  const scene = parseScene();
  const client = createClient({
    baseUrl: BASE_URL,
    jwtSecret: JWT_SECRET,
    timeoutMs: REQUEST_TIMEOUT_MS,
    readyTimeoutMs: READY_TIMEOUT_MS,
    attemptsMax: ATTEMPTS_MAX,
    backoffBaseMs: BACKOFF_BASE_MS,
  });
  await client.assertReady();
  const staff = await client.newActor('staff');
  const salePassed = scene === 'travel' || (await runSaleScene(client, staff));
  const travelPassed = scene === 'sale' || (await runTravelScene(client, staff));
  process.exit(salePassed && travelPassed ? 0 : 1);
}

/** parseScene reads `--scene`; see USAGE. Exits 0 for --help and 2 when it is bad. */
function parseScene(): Scene {
  const { values } = parseCli(USAGE, { options: { scene: { type: 'string', default: 'sale' } } });
  if (!isScene(values.scene)) exitWithUsage(USAGE, `--scene ${values.scene}: not a scene`);
  return values.scene;
}

/** runSaleScene runs the flash sale's steps in order; resolves true on PASS. */
async function runSaleScene(client: DemoClient, staff: Actor): Promise<boolean> {
  const checks: Check[] = [];
  console.log(`holdfast demo against ${BASE_URL} (run ${RUN_TAG}, ${CUSTOMER_COUNT} customers)`);

  heading('1. Catalog');
  const products = await setupCatalog(client, staff);
  checks.push(await demoHiddenProduct(client, staff));

  heading('2. Customers and wallets');
  const customers = await setupCustomers(client, staff, products);
  const revenueBeforeMinor = await readRevenueMinor(client, staff);

  heading('3. Flash sale');
  const { outcomes, duplicatePairs, wallMs } = await runFlashSale(client, customers, 5);
  const ordersPerSecond = summariseSale(outcomes, outcomes.length + duplicatePairs.length, wallMs);
  checks.push(saleAnswersCheck(outcomes));
  checks.push(await checkIdempotency(client, outcomes, duplicatePairs));

  heading('4. Payments');
  const wonOrders = planOrders(outcomes);
  checks.push(await payOrders(client, wonOrders, revenueBeforeMinor));

  heading('5. Cancellations');
  checks.push(await cancelOrders(client, wonOrders));

  heading('6. Expiry');
  const unpaid = wonOrders.filter((w) => !w.paid && !w.cancelled);
  const expiryCheck = await awaitExpiry(client, staff, unpaid);
  if (expiryCheck) checks.push(expiryCheck);

  return summarise({
    client,
    staff,
    products,
    customers,
    outcomes,
    wonOrders,
    waitedForExpiry: expiryCheck !== undefined,
    ordersPerSecond,
    revenueBeforeMinor,
    checks,
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
