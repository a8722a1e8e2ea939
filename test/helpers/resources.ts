import type { ProductView } from '../../domain/catalog';
import type { AccountView } from '../../domain/ledger';
import type { Actor } from './actors';
import { expectStatus, type ApiCaller } from './http';

/**
 * Create and read holdfast resources through any ApiCaller: the tests' in-process app and the
 * demo's HTTP client seed sellers, products and wallets with these same requests.
 */

/**
 * SeedContext is how seeding reaches the API: the request function, the staff caller, and
 * `newKey`, which when given puts a fresh Idempotency-Key on every create, so a client that
 * retries a create cannot run it twice.
 */
export interface SeedContext {
  api: ApiCaller;
  staff: Pick<Actor, 'token'>;
  newKey?: () => string;
}

/**
 * createSeller creates a seller of `kind` (default merchant) named `name` and approves it when
 * `approved`; returns its ID.
 * Throws when the API does not answer 201 (create) and 200 (approve).
 */
export async function createSeller(
  seed: SeedContext,
  input: { name: string; approved: boolean; kind?: 'merchant' | 'bus_operator' | 'property_owner' },
): Promise<string> {
  const seller = expectStatus<{ id: string }>(
    await seed.api('POST', '/v1/sellers', {
      token: seed.staff.token,
      body: { name: input.name, kind: input.kind ?? 'merchant' },
      key: seed.newKey?.(),
    }),
    201,
    `create seller ${input.name}`,
  );
  if (input.approved)
    expectStatus(
      await seed.api('POST', `/v1/sellers/${seller.id}/approve`, { token: seed.staff.token }),
      200,
      `approve ${input.name}`,
    );
  return seller.id;
}

/** ProductInput is one product to create: `stock` in units, `priceMinor` in minor units. */
export interface ProductInput {
  sellerId: string;
  sku: string;
  name: string;
  priceMinor: number;
  stock: number;
  /** currency is an ISO 4217 code; EUR when absent. */
  currency?: string;
  category?: string;
}

/** createProduct creates one product as staff and returns it; throws unless the API answers 201. */
export async function createProduct(seed: SeedContext, input: ProductInput): Promise<ProductView> {
  return expectStatus<ProductView>(
    await seed.api('POST', '/v1/products', {
      token: seed.staff.token,
      body: { ...input, currency: input.currency ?? 'EUR' },
      key: seed.newKey?.(),
    }),
    201,
    `create product ${input.sku}`,
  );
}

/**
 * openFundedWallet opens a wallet for `ownerId` in `currency` (EUR when absent), deposits
 * `amountMinor` (minor units) into it when positive, and returns its ID. Throws unless the API
 * answers 201 to both.
 */
export async function openFundedWallet(
  seed: SeedContext,
  input: { ownerId: string; amountMinor: number; currency?: string },
): Promise<string> {
  const account = expectStatus<AccountView>(
    await seed.api('POST', '/v1/accounts', {
      token: seed.staff.token,
      body: { ownerId: input.ownerId, kind: 'wallet', currency: input.currency ?? 'EUR' },
      key: seed.newKey?.(),
    }),
    201,
    'open wallet',
  );
  if (input.amountMinor > 0) {
    expectStatus(
      await seed.api('POST', `/v1/accounts/${account.id}/deposits`, {
        token: seed.staff.token,
        body: { amountMinor: input.amountMinor },
        key: seed.newKey?.(),
      }),
      201,
      `deposit into ${account.id}`,
    );
  }
  return account.id;
}

/** readAccount reads an account through the API as `who`; throws unless the API answers 200. */
export async function readAccount(
  api: ApiCaller,
  who: Pick<Actor, 'token'>,
  accountId: string,
): Promise<AccountView> {
  return expectStatus<AccountView>(
    await api('GET', `/v1/accounts/${accountId}`, { token: who.token }),
    200,
    `read account ${accountId}`,
  );
}
