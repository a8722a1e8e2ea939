import { randomUUID } from 'node:crypto';
import { signActor, type Actor } from '../actors';
import { createHoldfastClient } from '../../client/index';
import {
  createProduct,
  createSchedule,
  createSeller,
  openFundedWallet,
  sendOnce,
  type SeedContext,
} from '../resources';
import type { WorkloadName } from './model';

/** BANK_INITIAL_MINOR is each bank wallet's opening balance (minor units). */
export const BANK_INITIAL_MINOR = 200;

/** SEATS_PER_BUS is the seat count of every chaos bus. */
export const SEATS_PER_BUS = 40;

/** Customer is a workload's customer with the EUR wallet it pays from. */
export interface Customer {
  actor: Actor;
  accountId: string;
}

/** Requester asks for payouts from one wallet of theirs to another. */
export interface Requester {
  actor: Actor;
  fromAccountId: string;
  toAccountId: string;
}

/**
 * ChaosWorld is what the workloads act on, created through the API before any fault: staff
 * (two, so decisions can race), the bank's wallets, the shop's products and buyers, the
 * buses and travellers, and the payment requesters. Every wallet is in EUR.
 */
export interface ChaosWorld {
  staff: Actor[];
  bank: { owners: Actor[]; accountIds: string[] };
  shop: { productIds: string[]; buyers: Customer[] };
  travel: { scheduleIds: string[]; seatsPerBus: number; travellers: Customer[] };
  approvals: { requesters: Requester[] };
  /** backlog is what the long run's backlogs are placed with (absent in the default run). */
  backlog?: BacklogWorld;
}

/**
 * BacklogWorld is what `--long` places its backlogs with before each long outage (issue 17
 * item 8): a buyer for orders, a traveller for a bus of its own (so seats never run out), a
 * wallet to hold from, and a requester, all apart from the workloads' customers.
 */
export interface BacklogWorld {
  customer: Customer;
  /** productId is the product of the backlog's orders (ample stock of its own). */
  productId: string;
  /** holdToAccountId receives the holds (never posted: their timers void them). */
  holdToAccountId: string;
  scheduleId: string;
  requester: Requester;
}

/** BACKLOG_SEATS is the seat count of the backlog's bus (every backlog books distinct seats). */
export const BACKLOG_SEATS = 100;

/**
 * LONG_FUNDING is the stock, money and seats of a long run, whose half hour of load would
 * otherwise drain the default run's 200 units, few thousand minor units and 120 seats in its
 * first minutes (the greedy order of 5,000 units must still find too little stock).
 */
const LONG_FUNDING = {
  stock: 4_000,
  buyerMinor: 200_000,
  travellerMinor: 500_000,
  buses: 20,
  seatsPerBus: 100,
};

/** DEFAULT_FUNDING is the stock, money and seats of the default run. */
const DEFAULT_FUNDING = {
  stock: 200,
  buyerMinor: 5_000,
  travellerMinor: 20_000,
  buses: 3,
  seatsPerBus: SEATS_PER_BUS,
};

/**
 * seedWorld creates the world for `clients` clients per workload (one customer each, bank
 * owners twice the bank's clients) through the API as staff, every create with a fresh
 * Idempotency-Key. Products have ample stock, so refusals come from greedy orders on purpose.
 * @throws Error when any create does not answer 201 (or 200 for an approval).
 */
export async function seedWorld(input: {
  apiUrl: string;
  jwtSecret: string;
  clients: Record<WorkloadName, number>;
  /** long seeds the long run's funding and its backlog world. */
  long?: boolean;
}): Promise<ChaosWorld> {
  const funding = input.long ? LONG_FUNDING : DEFAULT_FUNDING;
  const sign = (role: 'customer' | 'staff') => signActor({ role, secret: input.jwtSecret });
  const staff = [await sign('staff'), await sign('staff')];
  // Seeding runs on a healthy stack: 10 s per request, and a failure stops the run.
  const seed: SeedContext = {
    api: createHoldfastClient({ baseUrl: input.apiUrl, timeoutMs: 10_000 }),
    send: sendOnce,
    staff: staff[0]!,
    newKey: randomUUID,
  };
  const wallet = async (owner: Actor, amountMinor: number) =>
    openFundedWallet(seed, { ownerId: owner.sub, amountMinor });
  const customers = async (count: number, amountMinor: number): Promise<Customer[]> =>
    Promise.all(
      Array.from({ length: count }, async () => {
        const actor = await sign('customer');
        return { actor, accountId: await wallet(actor, amountMinor) };
      }),
    );
  const bankOwners = await Promise.all(
    Array.from({ length: Math.max(2, input.clients.bank * 2) }, () => sign('customer')),
  );
  const requesters = await Promise.all(
    Array.from({ length: input.clients.approvals }, async () => {
      const actor = await sign('customer');
      return {
        actor,
        fromAccountId: await wallet(actor, 3_000),
        toAccountId: await wallet(actor, 0),
      };
    }),
  );
  return {
    staff,
    bank: {
      owners: bankOwners,
      accountIds: await Promise.all(bankOwners.map((owner) => wallet(owner, BANK_INITIAL_MINOR))),
    },
    shop: {
      productIds: await seedProducts(seed, funding.stock),
      buyers: await customers(input.clients.orders, funding.buyerMinor),
    },
    travel: {
      scheduleIds: await seedBuses(seed, funding.buses, funding.seatsPerBus),
      seatsPerBus: funding.seatsPerBus,
      travellers: await customers(input.clients.bookings, funding.travellerMinor),
    },
    approvals: { requesters },
    backlog: input.long ? await seedBacklog(seed, sign) : undefined,
  };
}

/** seedBacklog creates the BacklogWorld: two customers, three wallets and a bus. */
async function seedBacklog(
  seed: SeedContext,
  sign: (role: 'customer') => Promise<Actor>,
): Promise<BacklogWorld> {
  const [buyer, requester] = [await sign('customer'), await sign('customer')];
  const wallet = (owner: Actor, amountMinor: number) =>
    openFundedWallet(seed, { ownerId: owner.sub, amountMinor });
  const [scheduleId] = await seedBuses(seed, 1, BACKLOG_SEATS);
  return {
    customer: { actor: buyer, accountId: await wallet(buyer, 1_000_000) },
    productId: (await seedProducts(seed, 1_000))[0]!,
    holdToAccountId: await wallet(requester, 0),
    scheduleId: scheduleId!,
    requester: {
      actor: requester,
      fromAccountId: await wallet(requester, 0),
      toAccountId: await wallet(requester, 0),
    },
  };
}

/** seedProducts creates an approved merchant with four products (`stock` units each). */
async function seedProducts(seed: SeedContext, stock: number): Promise<string[]> {
  const sellerId = await createSeller(seed, { name: `chaos shop ${randomUUID()}`, approved: true });
  const prices = [150, 290, 475, 820];
  const products = await Promise.all(
    prices.map((priceMinor, index) =>
      createProduct(seed, {
        sellerId,
        sku: `CHAOS-${index}-${randomUUID().slice(0, 8)}`,
        name: `chaos product ${index}`,
        priceMinor,
        stock,
      }),
    ),
  );
  return products.map((product) => product.id);
}

/** seedBuses creates an approved bus operator with `count` buses of `seatCount` seats. */
async function seedBuses(
  seed: SeedContext,
  count: number,
  seatCount = SEATS_PER_BUS,
): Promise<string[]> {
  const sellerId = await createSeller(seed, {
    name: `chaos buses ${randomUUID()}`,
    approved: true,
    kind: 'bus_operator',
  });
  const departsAtMs = Date.now() + 7 * 86_400_000;
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      createSchedule(seed, {
        sellerId,
        origin: 'Lisbon',
        destination: `Porto ${index}`,
        departsAt: new Date(departsAtMs).toISOString(),
        arrivesAt: new Date(departsAtMs + 3 * 3_600_000).toISOString(),
        seatCount,
        priceMinor: 1_500,
      }),
    ),
  );
}
