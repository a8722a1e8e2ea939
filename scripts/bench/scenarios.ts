import { randomInt } from 'node:crypto';
import type { HoldfastPathWith } from '../../client/index';
import { expectStatus } from '../../tools/http';
import { authHeaders } from '../../tools/resources';
import type { ScenarioName } from './options';
import {
  createBuses,
  createDuplicateProducts,
  createFlashProducts,
  SEED,
  type Fixtures,
} from './seed';
import { mapLimit, pick } from '../shared/async';
import { SEED_CONCURRENCY } from './progress';
import { FreshCustomers } from './cold';
import { LIFECYCLE_PLACE_PATH, lifecycleScenario, type LifecycleLoad } from './lifecycle';
import { jsonFor, jsonHeaders } from './requests';

/** DROP_BUYERS is how many first-time buyers a drop sends at once (the demo's sale). */
export const DROP_BUYERS = 240;

/** BenchRequest is one request of a run: its headers (with a fresh Idempotency-Key) and body. */
export interface BenchRequest {
  headers: Record<string, string>;
  body: string;
}

/**
 * BenchPath is where a run's POSTs go: a path of the typed client (client/openapi.ts), or one
 * of the bench API's own routes (./api-server.ts) outside the OpenAPI document.
 */
export type BenchPath =
  HoldfastPathWith<'post'> | '/bench/baseline' | '/bench/noop' | typeof LIFECYCLE_PLACE_PATH;

/** PreparedScenario is a scenario ready to run: where requests go and how each is built. */
export interface PreparedScenario {
  name: ScenarioName;
  path: BenchPath;
  /** routePath is the API's route pattern, as its /metrics labels it. */
  routePath: string;
  /** moreRoutePaths are further routes the run sends to (orders-lifecycle's pay and cancel). */
  moreRoutePaths?: string[];
  /** okStatuses are the definite answers: 2xx, and 409 where refusals are the point. */
  okStatuses: number[];
  nextRequest(): BenchRequest;
  /** scarceUnits is the stock a flash-sale run may sell at most (undefined elsewhere). */
  scarceUnits?: number;
  /** burst sends this many requests at one instant instead of a timed load (burst.ts). */
  burst?: number;
  /** lifecycle runs whole order lifecycles instead of one request each (lifecycle.ts). */
  lifecycle?: LifecycleLoad;
}

/** PrepareHint is what the bench expects of the coming run. */
export interface PrepareHint {
  /** expectedRequests is about how many requests the run will send, when known. */
  expectedRequests?: number;
}

/** Scenario is one thing the bench measures; prepare() runs before each measured run. */
export interface Scenario {
  name: ScenarioName;
  description: string;
  prepare(fixtures: Fixtures, hint?: PrepareHint): Promise<PreparedScenario>;
}

/** FLASH_ACCEPTED_SHARE is the share of a flash-sale run's requests its stock can satisfy. */
const FLASH_ACCEPTED_SHARE = 0.1;

/**
 * flashStockEach sizes each scarce product of a run: enough units for FLASH_ACCEPTED_SHARE of
 * the expected requests across SEED.flashProductsN products, between 1 and SEED.flashStock,
 * so that most requests are refused at every connection count; SEED.flashStock when unknown.
 */
function flashStockEach(hint: PrepareHint | undefined): number {
  if (!hint?.expectedRequests) return SEED.flashStock;
  const units = (FLASH_ACCEPTED_SHARE * hint.expectedRequests) / SEED.flashProductsN;
  return Math.min(SEED.flashStock, Math.max(1, Math.round(units)));
}

/** baseline sends the non-durable seed-style placement to `productIds`. */
function baseline(name: ScenarioName, productIds: () => string[]): Scenario['prepare'] {
  return async (fixtures) => ({
    name,
    path: '/bench/baseline',
    routePath: '/bench/baseline',
    okStatuses: [201],
    nextRequest: () => ({
      headers: jsonHeaders(),
      body: JSON.stringify({
        productId: pick(productIds()),
        customerId: pick(fixtures.customers).sub,
        quantity: 1,
      }),
    }),
  });
}

/** orders places one-line orders of one unit of a product of `productIds` as a pool customer. */
function orders(
  name: ScenarioName,
  productIds: () => string[],
  okStatuses: number[] = [201],
): (fixtures: Fixtures) => PreparedScenario {
  return (fixtures) => ({
    name,
    path: '/v1/orders',
    routePath: '/v1/orders',
    okStatuses,
    nextRequest: () => ({
      headers: jsonHeaders(pick(fixtures.customers).token),
      body: jsonFor('/v1/orders', { lines: [{ productId: pick(productIds()), quantity: 1 }] }),
    }),
  });
}

/**
 * coldOrders places one-line orders of one unit of a spread product, each as a customer the API
 * has never seen (FreshCustomers): each order starts its customer's gate and its order.
 */
async function coldOrders(
  name: ScenarioName,
  fixtures: Fixtures,
  expectedRequests: number | undefined,
): Promise<PreparedScenario> {
  const fresh = await FreshCustomers.prepare(expectedRequests);
  return {
    name,
    path: '/v1/orders',
    routePath: '/v1/orders',
    okStatuses: [201],
    nextRequest: () => ({
      headers: jsonHeaders(fresh.take()),
      body: jsonFor('/v1/orders', {
        lines: [{ productId: pick(fixtures.spreadProductIds), quantity: 1 }],
      }),
    }),
  };
}

/**
 * duplicateOrders sends keyless orders as a random pool customer, each customer always the
 * same line (one unit of its own product of `productIds`, fresh for the run, whose first order
 * placeFirstOrders placed before the run): every measured submission is refused 409
 * duplicate_submission (SPEC.md §8) by its gate's Update validator, without writing history.
 */
function duplicateOrders(fixtures: Fixtures, productIds: string[]): PreparedScenario {
  return {
    name: 'orders-duplicates',
    path: '/v1/orders',
    routePath: '/v1/orders',
    okStatuses: [201, 409],
    nextRequest: () => {
      const index = randomInt(fixtures.customers.length);
      return {
        headers: jsonHeaders(fixtures.customers[index]!.token, false),
        body: jsonFor('/v1/orders', { lines: [{ productId: productIds[index]!, quantity: 1 }] }),
      };
    },
  };
}

/**
 * placeFirstOrders places, before an orders-duplicates run, each pool customer's one order of
 * its product (keyless, as the run's requests), so the run measures refusals only.
 * @throws Error when one is not placed.
 */
async function placeFirstOrders(fixtures: Fixtures, productIds: string[]): Promise<void> {
  const { seed } = fixtures;
  await mapLimit(fixtures.customers, SEED_CONCURRENCY, async (customer, index) => {
    const body = { lines: [{ productId: productIds[index]!, quantity: 1 }] };
    const headers = authHeaders(customer.token);
    const placed = await seed.send(() => seed.api.POST('/v1/orders', { body, headers }));
    expectStatus(placed, 201, 'orders-duplicates: first order');
  });
}

/** transfers moves 1–5 minor units from a random wallet (as its owner) to another one. */
function transfers(fixtures: Fixtures): PreparedScenario {
  const { wallets } = fixtures;
  return {
    name: 'transfers',
    path: '/v1/transfers',
    routePath: '/v1/transfers',
    okStatuses: [201],
    nextRequest: () => {
      const from = randomInt(wallets.length);
      const to = (from + 1 + randomInt(wallets.length - 1)) % wallets.length;
      return {
        headers: jsonHeaders(wallets[from]!.owner.token),
        body: jsonFor('/v1/transfers', {
          fromAccountId: wallets[from]!.id,
          toAccountId: wallets[to]!.id,
          amountMinor: 1 + randomInt(5),
        }),
      };
    },
  };
}

/**
 * SCENARIOS are the measurements, side by side on one stack: the non-durable
 * baseline, the no-op Update-with-Start ceiling, holdfast placement on a hot product and over
 * 1000 products (also with one webhook endpoint for every event enabled), the same with a new
 * customer per order (orders-cold) and as one burst of 240 first-time buyers (drop, beside
 * the same burst of no-op requests, ceiling-drop), a flash sale on 20 fresh products of 10
 * units each per run (most requests are refused with 409 insufficient_stock), keyless repeats
 * of one line per customer (refused 409 duplicate_submission by the customer's gate after its
 * first), holdfast transfers between 200 wallets, bookings, and whole order lifecycles (placed,
 * then paid, cancelled or left to expire after a 10 s payment TTL) in steady state.
 */
export const SCENARIOS: Record<ScenarioName, Scenario> = {
  'baseline-hot': {
    name: 'baseline-hot',
    description: 'non-durable placement (one pg transaction), one hot product',
    prepare: (fixtures) => baseline('baseline-hot', () => [fixtures.hotProductId])(fixtures),
  },
  'baseline-spread': {
    name: 'baseline-spread',
    description: 'non-durable placement (one pg transaction), 1000 products',
    prepare: (fixtures) => baseline('baseline-spread', () => fixtures.spreadProductIds)(fixtures),
  },
  ceiling: {
    name: 'ceiling',
    description: 'no-op Update-with-Start on task queue bench-noop',
    prepare: async () => ({
      name: 'ceiling',
      path: '/bench/noop',
      routePath: '/bench/noop',
      okStatuses: [201],
      nextRequest: () => ({
        headers: jsonHeaders(),
        body: JSON.stringify({ ping: randomInt(1e9) }),
      }),
    }),
  },
  'orders-hot': {
    name: 'orders-hot',
    description: 'holdfast POST /v1/orders, one hot product',
    prepare: async (fixtures) => orders('orders-hot', () => [fixtures.hotProductId])(fixtures),
  },
  'orders-spread': {
    name: 'orders-spread',
    description: 'holdfast POST /v1/orders, 1000 products',
    prepare: async (fixtures) => orders('orders-spread', () => fixtures.spreadProductIds)(fixtures),
  },
  'orders-spread-webhook': {
    name: 'orders-spread-webhook',
    description:
      'orders-spread, measured while one staff webhook endpoint subscribed to every event type ' +
      'is enabled, delivering to a receiver in the bench process on 127.0.0.1 (answers 204 at ' +
      'once); every other scenario runs with that endpoint disabled',
    prepare: async (fixtures) =>
      orders('orders-spread-webhook', () => fixtures.spreadProductIds)(fixtures),
  },
  'orders-cold': {
    name: 'orders-cold',
    description:
      'holdfast POST /v1/orders, 1000 products, every order from a new customer (a fresh JWT ' +
      '`sub`): each starts its customer’s gate and its order workflow',
    prepare: async (fixtures, hint) => coldOrders('orders-cold', fixtures, hint?.expectedRequests),
  },
  'ceiling-drop': {
    name: 'ceiling-drop',
    description:
      `${DROP_BUYERS} no-op Update-with-Starts (the ceiling's request) sent at the same instant ` +
      '(one burst, run once): the p50 a drop could reach if an order cost no more than the ' +
      'ceiling',
    prepare: async (fixtures) => ({
      ...(await SCENARIOS.ceiling.prepare(fixtures)),
      name: 'ceiling-drop',
      burst: DROP_BUYERS,
    }),
  },
  drop: {
    name: 'drop',
    description:
      `${DROP_BUYERS} first-time buyers (fresh JWT \`sub\` each) send one POST /v1/orders each ` +
      'at the same instant, over 1000 products (one burst, run once): p50/p99 and the time to ' +
      'the last answer',
    prepare: async (fixtures) => ({
      ...(await coldOrders('drop', fixtures, DROP_BUYERS)),
      burst: DROP_BUYERS,
    }),
  },
  'flash-sale': {
    name: 'flash-sale',
    description:
      'holdfast POST /v1/orders on 20 fresh products per run, stock sized for ~10% of the ' +
      'requests (1–10 units each); 409 insufficient_stock counts as a definite answer',
    prepare: async (fixtures, hint) => {
      const stockEach = flashStockEach(hint);
      const scarce = await createFlashProducts(fixtures, stockEach);
      const prepared = orders('flash-sale', () => scarce, [201, 409])(fixtures);
      return { ...prepared, scarceUnits: scarce.length * stockEach };
    },
  },
  'orders-duplicates': {
    name: 'orders-duplicates',
    description:
      'holdfast POST /v1/orders without Idempotency-Key, each pool customer always one unit of ' +
      'its own product (fresh per run, its first order placed before the run): every one ' +
      'refused 409 duplicate_submission by the gate’s Update validator (no history written)',
    prepare: async (fixtures) => {
      const productIds = await createDuplicateProducts(fixtures);
      await placeFirstOrders(fixtures, productIds);
      return duplicateOrders(fixtures, productIds);
    },
  },
  transfers: {
    name: 'transfers',
    description: 'holdfast POST /v1/transfers between 200 wallets, 1–5 minor units',
    prepare: async (fixtures) => transfers(fixtures),
  },
  'orders-lifecycle': {
    name: 'orders-lifecycle',
    description:
      'whole order lifecycles: each connection places an order (one unit of one of 1000 ' +
      'products, payment TTL 10 s, as one of 200 wallet owners), then by turn pays it from the ' +
      'wallet, cancels it, or leaves it to expire; lifecycles/s counts orders stamped paid, ' +
      'cancelled or expired in the measured window, which starts the payment TTL + 1 s into the load (steady state)',
    prepare: async (fixtures) => lifecycleScenario(fixtures),
  },
  bookings: {
    name: 'bookings',
    description:
      'holdfast POST /v1/bookings, one seat each on fresh 100-seat buses sized for the run, ' +
      'every request a different free seat',
    prepare: async (fixtures, hint) =>
      seatBookings(fixtures, await createBuses(fixtures, hint?.expectedRequests)),
  },
};

/**
 * seatBookings books one seat per request as a pool customer, walking the buses' seats in
 * turn (bus after bus for each seat number), so requests never collide and every 201 is one
 * fresh hold on its own seat row.
 */
function seatBookings(fixtures: Fixtures, scheduleIds: string[]): PreparedScenario {
  let next = 0;
  return {
    name: 'bookings',
    path: '/v1/bookings',
    routePath: '/v1/bookings',
    okStatuses: [201],
    nextRequest: () => {
      const slot = next++;
      const scheduleId = scheduleIds[slot % scheduleIds.length]!;
      const seat = 1 + (Math.floor(slot / scheduleIds.length) % SEED.seatsPerBus);
      return {
        headers: jsonHeaders(pick(fixtures.customers).token),
        body: jsonFor('/v1/bookings', { scheduleId, seats: [seat] }),
      };
    },
  };
}
