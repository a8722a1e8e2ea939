import { randomUUID } from 'node:crypto';
import { toSafeInt } from '../../db/connection';
import { query } from '../../db/transaction';
import { stackApi, type Actor, type TestStack } from './app';
import { createProduct, createSeller, openFundedWallet, readAccount } from './resources';

/** ProductSeed is one product to create: stock and unit price in minor units. */
export interface ProductSeed {
  stock: number;
  priceMinor?: number;
  category?: string;
  name?: string;
}

/**
 * seedCatalog creates a merchant (approved unless `approved: false`) and its products through
 * the API as staff, and returns their IDs in the order given.
 */
export async function seedCatalog(
  stack: TestStack,
  staff: Actor,
  input: { products: ProductSeed[]; approved?: boolean; currency?: string },
): Promise<{ sellerId: string; productIds: string[] }> {
  const seed = { ...stackApi(stack), staff };
  const sellerId = await createSeller(seed, {
    name: `seller ${randomUUID()}`,
    approved: input.approved !== false,
  });
  const productIds: string[] = [];
  for (const [index, product] of input.products.entries()) {
    const created = await createProduct(seed, {
      sellerId,
      sku: `SKU-${index}-${randomUUID().slice(0, 8)}`,
      name: product.name ?? `product ${index} ${randomUUID().slice(0, 8)}`,
      priceMinor: product.priceMinor ?? 100,
      currency: input.currency ?? 'EUR',
      stock: product.stock,
      ...(product.category ? { category: product.category } : {}),
    });
    productIds.push(created.id);
  }
  return { sellerId, productIds };
}

/** openWallet opens a wallet for `owner`, deposits `amountMinor` into it, and returns its ID. */
export async function openWallet(
  stack: TestStack,
  staff: Actor,
  owner: Actor,
  amountMinor: number,
  currency = 'EUR',
): Promise<string> {
  return openFundedWallet(
    { ...stackApi(stack), staff },
    { ownerId: owner.sub, amountMinor, currency },
  );
}

/** stockOf reads a product's stock straight from SQL. */
export async function stockOf(
  stack: TestStack,
  productId: string,
): Promise<{ stockOnHand: number; reserved: number }> {
  const [row] = await query<{ stock_on_hand: number; reserved: number }>(
    stack.db,
    'SELECT stock_on_hand, reserved FROM products WHERE id = $1',
    [productId],
  );
  return { stockOnHand: row!.stock_on_hand, reserved: row!.reserved };
}

/** balanceOf reads an account's balance straight from SQL. */
export async function balanceOf(stack: TestStack, accountId: string): Promise<number> {
  const [row] = await query<{ balance_minor: string }>(
    stack.db,
    'SELECT balance_minor FROM accounts WHERE id = $1',
    [accountId],
  );
  return toSafeInt(row!.balance_minor);
}

/** countRows counts rows of `sql` (a SELECT count(*) AS n …) with bind parameters. */
export async function countRows(
  stack: TestStack,
  sql: string,
  bind: unknown[] = [],
): Promise<number> {
  const [row] = await query<{ n: string }>(stack.db, sql, bind);
  return Number(row!.n);
}

/** waitFor polls `probe` every 200 ms until it returns true, up to `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return probe();
}

/** expectLedgerConsistent runs the ledger check and fails with its violations when any. */
export async function expectLedgerConsistent(stack: TestStack): Promise<void> {
  const { checkLedger } = await import('../../db/ledger-check');
  const report = await checkLedger(stack.db);
  const failed = report.checks.filter((c) => !c.ok);
  if (failed.length > 0) throw new Error(`ledger check failed: ${JSON.stringify(failed, null, 1)}`);
}

/** accountOf reads an account through the API as `who`. */
export async function accountOf(
  stack: TestStack,
  who: Actor,
  accountId: string,
): Promise<{ balanceMinor: number; availableMinor: number }> {
  return readAccount(stackApi(stack), who, accountId);
}
