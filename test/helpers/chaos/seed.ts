import { randomUUID } from 'node:crypto';
import { signActor, type Actor } from '../actors';
import { createHoldfastClient } from '../../../client/index';
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
  travel: { scheduleIds: string[]; travellers: Customer[] };
  approvals: { requesters: Requester[] };
}

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
}): Promise<ChaosWorld> {
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
      productIds: await seedProducts(seed),
      buyers: await customers(input.clients.orders, 5_000),
    },
    travel: {
      scheduleIds: await seedBuses(seed, 3),
      travellers: await customers(input.clients.bookings, 20_000),
    },
    approvals: { requesters },
  };
}

/** seedProducts creates an approved merchant with four products (200 units each). */
async function seedProducts(seed: SeedContext): Promise<string[]> {
  const sellerId = await createSeller(seed, { name: `chaos shop ${randomUUID()}`, approved: true });
  const prices = [150, 290, 475, 820];
  const products = await Promise.all(
    prices.map((priceMinor, index) =>
      createProduct(seed, {
        sellerId,
        sku: `CHAOS-${index}-${randomUUID().slice(0, 8)}`,
        name: `chaos product ${index}`,
        priceMinor,
        stock: 200,
      }),
    ),
  );
  return products.map((product) => product.id);
}

/** seedBuses creates an approved bus operator with `count` buses of SEATS_PER_BUS seats. */
async function seedBuses(seed: SeedContext, count: number): Promise<string[]> {
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
        seatCount: SEATS_PER_BUS,
        priceMinor: 1_500,
      }),
    ),
  );
}
