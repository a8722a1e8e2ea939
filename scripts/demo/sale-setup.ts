import { randomInt, randomUUID } from 'node:crypto';
import type { AccountView } from '../../domain/ledger';
import type { OrderLineInput, OrderView } from '../../domain/orders';
import type { Actor } from '../../tools/actors';
import {
  authHeaders,
  createProduct,
  createSeller,
  type ProductInput,
  type SeedContext,
} from '../../tools/resources';
import type { DemoClient, Problem } from './client';
import { euros } from './report';
import type { Customer, FlashSale, OrderResult, Product } from './sale-model';
import { check, rush, type Check } from './scene';
import { mapLimit, shuffle } from '../shared/async';
import { CUSTOMER_COUNT, RICH_DEPOSIT_MINOR, RUN_TAG, SETUP_CONCURRENCY } from './settings';
import { openWallets, seedVia, staffRead } from './seed';

/**
 * The flash sale up to the last order: staff create sellers and a catalog of scarce products,
 * a few hundred customers get funded wallets, and all of them order at once; and the reads of
 * orders and revenue that the later steps use.
 */

/** CATALOG is the scarce stock on sale: price in EUR minor units (cents), stock in units. */
export const CATALOG = [
  { name: 'Retro console, limited edition', category: 'consoles', priceMinor: 12_900, stock: 5 },
  { name: 'Signed vinyl box set', category: 'music', priceMinor: 4_990, stock: 8 },
  { name: 'Collector sneaker drop', category: 'shoes', priceMinor: 2_490, stock: 12 },
  { name: 'Single-origin coffee, micro lot', category: 'food', priceMinor: 1_590, stock: 20 },
  { name: 'Enamel pin series 7', category: 'accessories', priceMinor: 1_290, stock: 30 },
  { name: 'Holographic trading card pack', category: 'cards', priceMinor: 990, stock: 40 },
] as const;

/** createDemoProduct creates one product (staff) and returns it with its initial stock. */
async function createDemoProduct(seed: SeedContext, input: ProductInput): Promise<Product> {
  const product = await createProduct(seed, input);
  return {
    id: product.id,
    name: input.name,
    priceMinor: input.priceMinor,
    initialStock: input.stock,
  };
}

/** setupCatalog creates two approved sellers and the CATALOG, alternating sellers. */
export async function setupCatalog(client: DemoClient, staff: Actor): Promise<Product[]> {
  const seed = seedVia(client, staff);
  const sellerIds = [
    await createSeller(seed, { name: `Northwind Collectibles ${RUN_TAG}`, approved: true }),
    await createSeller(seed, { name: `Contoso Drops ${RUN_TAG}`, approved: true }),
  ];
  const products = await mapLimit(CATALOG, SETUP_CONCURRENCY, (item, index) =>
    createDemoProduct(seed, {
      sellerId: sellerIds[index % 2]!,
      sku: `DEMO-${RUN_TAG}-${index + 1}`,
      ...item,
    }),
  );
  console.log(`2 approved sellers, ${products.length} products (run ${RUN_TAG}):`);
  for (const p of products)
    console.log(
      `  ${p.name.padEnd(34)} ${euros(p.priceMinor).padStart(8)}  stock ${p.initialStock}`,
    );
  return products;
}

/**
 * demoHiddenProduct creates a seller that is never approved and one product of it, then shows
 * a customer cannot see it (GET 404) nor order it (POST /v1/orders 422). Returns a Check.
 */
export async function demoHiddenProduct(client: DemoClient, staff: Actor): Promise<Check> {
  const seed = seedVia(client, staff);
  const sellerId = await createSeller(seed, { name: `Unvetted Goods ${RUN_TAG}`, approved: false });
  const hidden = await createDemoProduct(seed, {
    sellerId,
    sku: `DEMO-${RUN_TAG}-HIDDEN`,
    name: 'Unvetted gadget',
    priceMinor: 500,
    stock: 100,
  });
  const buyer = await client.newActor('customer');
  const seen = await client.send<Problem>(() =>
    client.api.GET('/v1/products/{id}', {
      params: { path: { id: hidden.id } },
      headers: authHeaders(buyer.token),
    }),
  );
  const body = { lines: [{ productId: hidden.id, quantity: 1 }], paymentMethod: 'wallet' as const };
  const headers = authHeaders(buyer.token, randomUUID());
  const ordered = await client.send<Problem>(() =>
    client.api.POST('/v1/orders', { body, headers }),
  );
  console.log(
    `pending seller's product: customer GET → ${seen.status} ${seen.body?.code ?? ''}; POST /v1/orders → ${ordered.status} ${ordered.body?.code ?? ''}`,
  );
  const ok = seen.status === 404 && ordered.status === 422;
  return check(
    'product of a non-approved seller cannot be ordered',
    ok ? [] : [`GET ${seen.status}, order ${ordered.status} ${JSON.stringify(ordered.body)}`],
    'GET 404, order 422',
  );
}

/** randomCart builds 1–3 distinct random lines (1–3 units each) in random order. */
function randomCart(products: readonly Product[]): OrderLineInput[] {
  const roll = randomInt(10);
  const lineCount = roll < 5 ? 1 : roll < 8 ? 2 : 3;
  return shuffle(products)
    .slice(0, lineCount)
    .map((p) => ({ productId: p.id, quantity: 1 + randomInt(3) }));
}

/** depositFor is what customer `index` gets: every 10th a too-small €2–€8, others RICH_DEPOSIT_MINOR. */
function depositFor(index: number): number {
  return index % 10 === 9 ? 200 + randomInt(601) : RICH_DEPOSIT_MINOR;
}

/**
 * setupCustomers creates CUSTOMER_COUNT customers with funded EUR wallets (depositFor), each
 * with a random cart and its own Idempotency-Key.
 */
export async function setupCustomers(
  client: DemoClient,
  staff: Actor,
  products: readonly Product[],
): Promise<Customer[]> {
  const funded = await openWallets(client, staff, CUSTOMER_COUNT, depositFor);
  const customers = funded.map((f) => ({
    ...f,
    cart: { lines: randomCart(products), paymentMethod: 'wallet' as const },
    idempotencyKey: randomUUID(),
  }));
  const poor = customers.filter((c) => c.depositMinor < RICH_DEPOSIT_MINOR).length;
  const totalMinor = customers.reduce((sum, c) => sum + c.depositMinor, 0);
  console.log(
    `${customers.length} customers with EUR wallets: ${customers.length - poor} × ${euros(RICH_DEPOSIT_MINOR)}, ${poor} underfunded (€2–€8); ${euros(totalMinor)} deposited`,
  );
  return customers;
}

/** placeOrder sends one customer's cart as POST /v1/orders with its Idempotency-Key. */
export function placeOrder(client: DemoClient, customer: Customer): Promise<OrderResult> {
  const headers = authHeaders(customer.token, customer.idempotencyKey);
  return client.send<OrderView & Problem>(() =>
    client.api.POST('/v1/orders', { body: customer.cart, headers }),
  );
}

/**
 * runFlashSale fires every customer's order at once, plus `duplicateCount` concurrent
 * duplicates (same key and body) of random customers, in one rush. Returns the outcomes, the
 * duplicates' pairs and the wall time in milliseconds.
 */
export async function runFlashSale(
  client: DemoClient,
  customers: readonly Customer[],
  duplicateCount: number,
): Promise<FlashSale> {
  const duplicates = shuffle(customers).slice(0, duplicateCount);
  const senders = [...customers, ...duplicates];
  const { results, wallMs } = await rush('flash sale', senders, (c) => placeOrder(client, c));
  const pairsOf = (list: readonly Customer[], offset: number) =>
    list.map((customer, i) => ({ customer, result: results[offset + i]! }));
  return {
    outcomes: pairsOf(customers, 0),
    duplicatePairs: pairsOf(duplicates, customers.length),
    wallMs,
  };
}

/** readOrder reads one order as staff (GET /v1/orders/:id); throws unless it answers 200. */
export async function readOrder(
  client: DemoClient,
  staff: Actor,
  orderId: string,
): Promise<OrderView> {
  return staffRead<OrderView>(client, staff, `read order ${orderId}`, (headers) =>
    client.api.GET('/v1/orders/{id}', { params: { path: { id: orderId } }, headers }),
  );
}

/** readRevenueMinor sums the EUR revenue accounts' balances (minor units); 0 before the first sale. */
export async function readRevenueMinor(client: DemoClient, staff: Actor): Promise<number> {
  const query = { kind: 'revenue', currency: 'EUR' } as const;
  const page = await staffRead<{ items: AccountView[] }>(
    client,
    staff,
    'list revenue accounts',
    (headers) => client.api.GET('/v1/accounts', { params: { query }, headers }),
  );
  return page.items.reduce((sum, a) => sum + a.balanceMinor, 0);
}
