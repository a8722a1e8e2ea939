import { randomUUID } from 'node:crypto';
import { createHoldfastClient, type HoldfastClient } from '../../client/index';
import { signActor, type Actor } from '../../tools/actors';
import {
  createProduct,
  createSchedule,
  createSeller,
  openFundedWallet,
  sendOnce,
  type SeedContext,
} from '../../tools/resources';
import type { ScenarioName } from './options';
import { withBar } from '../shared/progress';
import { mapLimit } from '../shared/async';
import { SEED_CONCURRENCY } from './progress';
import { BENCH_JWT_SECRET } from './stack';

/** SEED is the size of the bench's data set (the figures). */
export const SEED = {
  hotStock: 10_000_000,
  spreadProductsN: 1000,
  spreadStock: 1_000_000,
  flashProductsN: 20,
  flashStock: 10,
  duplicateStock: 1000,
  customersN: 64,
  walletsN: 200,
  walletMinor: 1_000_000,
  seatsPerBus: 100,
  busesMin: 4,
  busesMax: 400,
  busesWhenUnknown: 40,
} as const;

/** SEED_REQUEST_TIMEOUT_MS bounds one seeding request. */
const SEED_REQUEST_TIMEOUT_MS = 60_000;

/** Wallet is a funded customer wallet and the token of its owner. */
export interface Wallet {
  id: string;
  owner: Actor;
}

/** Fixtures are what the scenarios draw their requests from. */
export interface Fixtures {
  seed: SeedContext;
  sellerId: string;
  hotProductId: string;
  spreadProductIds: string[];
  /** customers place orders: a pool, so that no single customer is hot. */
  customers: Actor[];
  wallets: Wallet[];
  /** busOperatorId is the approved bus operator whose schedules the bookings scenario fills. */
  busOperatorId: string | undefined;
}

/** benchClient returns the typed client (client/index.ts) for the API at `baseUrl`. */
export function benchClient(baseUrl: string): HoldfastClient {
  return createHoldfastClient({ baseUrl, timeoutMs: SEED_REQUEST_TIMEOUT_MS });
}

/** productInput names a product of the bench seller with `stock` units at 1.00 EUR. */
function productInput(sellerId: string, label: string, stock: number) {
  const sku = `${label}-${randomUUID().slice(0, 8)}`;
  return { sellerId, sku, name: `bench ${sku}`, priceMinor: 100, stock };
}

/**
 * seedFixtures creates, through the real API as staff, what `scenarios` need: an approved
 * seller, the hot product, the 1000 spread products, the customer pool and the funded wallets
 * (each wallet owned by its own customer; for transfers and orders-lifecycle).
 */
export async function seedFixtures(apiUrl: string, scenarios: ScenarioName[]): Promise<Fixtures> {
  const staff = await signActor({ role: 'staff', secret: BENCH_JWT_SECRET });
  const seed: SeedContext = {
    api: benchClient(apiUrl),
    send: sendOnce,
    staff,
    newKey: () => randomUUID(),
  };
  const sellerId = await createSeller(seed, {
    name: `bench seller ${randomUUID()}`,
    approved: true,
  });
  const hot = await createProduct(seed, productInput(sellerId, 'HOT', SEED.hotStock));
  const needsSpread = scenarios.some(
    (name) =>
      name.includes('-spread') || ['orders-cold', 'drop', 'orders-lifecycle'].includes(name),
  );
  const spreadProductIds = needsSpread
    ? await withBar('products', range(SEED.spreadProductsN), SEED_CONCURRENCY, async (index) => {
        const input = productInput(sellerId, `SPREAD-${index}`, SEED.spreadStock);
        return (await createProduct(seed, input)).id;
      })
    : [];
  const customers = await Promise.all(
    range(SEED.customersN).map(() => signActor({ role: 'customer', secret: BENCH_JWT_SECRET })),
  );
  // orders-lifecycle's customers are the wallets' owners: it pays from their wallets.
  const wallets = scenarios.some((name) => name === 'transfers' || name === 'orders-lifecycle')
    ? await withBar('wallets', range(SEED.walletsN), SEED_CONCURRENCY, async () => {
        const owner = await signActor({ role: 'customer', secret: BENCH_JWT_SECRET });
        const input = { ownerId: owner.sub, amountMinor: SEED.walletMinor };
        return { id: await openFundedWallet(seed, input), owner };
      })
    : [];
  const busOperatorId = scenarios.includes('bookings')
    ? await createSeller(seed, {
        name: `bench buses ${randomUUID()}`,
        approved: true,
        kind: 'bus_operator',
      })
    : undefined;
  return {
    seed,
    sellerId,
    hotProductId: hot.id,
    spreadProductIds,
    customers,
    wallets,
    busOperatorId,
  };
}

/**
 * createBuses creates the schedules of one bookings run, SEED.seatsPerBus seats each, departing
 * in a week: enough seats for 1.5 × `expectedRequests` (SEED.busesWhenUnknown buses when
 * unknown), so no request of the run finds its seat taken.
 */
export async function createBuses(
  fixtures: Fixtures,
  expectedRequests: number | undefined,
): Promise<string[]> {
  const { seed, busOperatorId } = fixtures;
  if (!busOperatorId) throw new Error('the bookings scenario needs its bus operator seeded');
  const wanted = expectedRequests
    ? Math.ceil((1.5 * expectedRequests) / SEED.seatsPerBus)
    : SEED.busesWhenUnknown;
  const count = Math.min(SEED.busesMax, Math.max(SEED.busesMin, wanted));
  const departsAt = Date.now() + 7 * 86_400_000;
  return withBar('buses', range(count), SEED_CONCURRENCY, (index) =>
    createSchedule(seed, {
      sellerId: busOperatorId,
      origin: 'Bench',
      destination: `Stop ${index}`,
      departsAt: new Date(departsAt).toISOString(),
      arrivesAt: new Date(departsAt + 3_600_000).toISOString(),
      seatCount: SEED.seatsPerBus,
      priceMinor: 100,
    }),
  );
}

/** createFlashProducts creates the scarce products of one flash-sale run (20 × `stockEach`). */
export async function createFlashProducts(
  fixtures: Fixtures,
  stockEach: number,
): Promise<string[]> {
  return createRunProducts(fixtures, 'FLASH', SEED.flashProductsN, stockEach);
}

/** DUPLICATE_SKU_LABEL starts the SKU of every orders-duplicates product (checks.ts finds them). */
export const DUPLICATE_SKU_LABEL = 'DUP';

/**
 * createDuplicateProducts creates the products of one orders-duplicates run, one per pool
 * customer (SEED.duplicateStock units each, far more than the one order each may place), so
 * that each customer's line is new to its gate at the start of every run.
 */
export async function createDuplicateProducts(fixtures: Fixtures): Promise<string[]> {
  const count = fixtures.customers.length;
  return createRunProducts(fixtures, DUPLICATE_SKU_LABEL, count, SEED.duplicateStock);
}

/**
 * createRunProducts creates `count` products of `stockEach` units (SKUs `<label>-<index>-…`),
 * SEED_CONCURRENCY at a time and without a bar: it runs under the load's progress bar.
 */
async function createRunProducts(
  fixtures: Fixtures,
  label: string,
  count: number,
  stockEach: number,
): Promise<string[]> {
  const { seed, sellerId } = fixtures;
  return mapLimit(range(count), SEED_CONCURRENCY, async (index) => {
    const input = productInput(sellerId, `${label}-${index}`, stockEach);
    return (await createProduct(seed, input)).id;
  });
}

/** range returns [0, 1, …, n − 1]. */
function range(n: number): number[] {
  return Array.from({ length: n }, (_, index) => index);
}
