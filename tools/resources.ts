import type { ProductView, SellerKind } from '../domain/catalog';
import type { AccountView } from '../domain/ledger';
import {
  answerOf,
  bearer,
  createHoldfastClient,
  idempotencyKey,
  type HoldfastAnswer,
  type HoldfastClient,
  type HoldfastRequestBody,
  type HoldfastResult,
} from '../client/index';
import type { Actor } from './actors';
import { expectStatus } from './http';

/*
 * How tests, the demo, the bench and the chaos run create holdfast resources: through the
 * typed client (client/index.ts), each call wrapped by a Send that may retry it, time it or
 * count it. Seeding (sellers, products, funded wallets) and the reads they share are here,
 * written once against the typed client.
 */

/**
 * Send runs one typed client call (again, unchanged, when it retries: same body, same
 * Idempotency-Key) and resolves with its answer, the body typed as `T` by the caller.
 */
export type Send = <T = any>(call: () => Promise<HoldfastResult>) => Promise<HoldfastAnswer<T>>;

/** TypedApi is a typed client and the Send every call of a tool goes through. */
export interface TypedApi {
  api: HoldfastClient;
  send: Send;
}

/** sendOnce is the plain Send: one attempt, no retry; rejects when no answer came. */
export const sendOnce: Send = async <T>(call: () => Promise<HoldfastResult>) =>
  answerOf<T>(await call());

/**
 * typedApiAt is the typed client of the API at `baseUrl` (no `/v1`), or of an in-process app
 * when `fetch` is given (the tests' `(request) => app.request(request)`), with sendOnce.
 */
export function typedApiAt(
  baseUrl: string,
  fetch?: (request: Request) => Promise<Response>,
): TypedApi {
  return { api: createHoldfastClient({ baseUrl, fetch }), send: sendOnce };
}

/**
 * SeedContext is how seeding reaches the API: the typed API, the staff caller, and `newKey`,
 * which when given puts a fresh Idempotency-Key on every create, so a client that retries a
 * create cannot run it twice.
 */
export interface SeedContext extends TypedApi {
  staff: Pick<Actor, 'token'>;
  newKey?: () => string;
}

/** authHeaders are a caller's bearer token and, when given, an Idempotency-Key. */
export function authHeaders(token: string, key?: string): Record<string, string> {
  return { ...bearer(token), ...idempotencyKey(key) };
}

/**
 * createSeller creates a seller of `kind` (default merchant) named `name` and approves it when
 * `approved`; returns its ID.
 * @throws Error when the API does not answer 201 (create) and 200 (approve).
 */
export async function createSeller(
  seed: SeedContext,
  input: { name: string; approved: boolean; kind?: SellerKind },
): Promise<string> {
  const headers = authHeaders(seed.staff.token, seed.newKey?.());
  const seller = expectStatus(
    await seed.send<{ id: string }>(() =>
      seed.api.POST('/v1/sellers', {
        body: { name: input.name, kind: input.kind ?? 'merchant' },
        headers,
      }),
    ),
    201,
    `create seller ${input.name}`,
  );
  if (input.approved)
    expectStatus(
      await seed.send(() =>
        seed.api.POST('/v1/sellers/{id}/approve', {
          params: { path: { id: seller.id } },
          headers: authHeaders(seed.staff.token),
        }),
      ),
      200,
      `approve ${input.name}`,
    );
  return seller.id;
}

/**
 * ProductInput is one product to create (the body of POST /v1/products): `stock` in units,
 * `priceMinor` in minor units, `currency` an ISO 4217 code, EUR when absent.
 */
export type ProductInput = Omit<HoldfastRequestBody<'/v1/products'>, 'currency'> & {
  currency?: string;
};

/** createProduct creates one product as staff and returns it; throws unless the API answers 201. */
export async function createProduct(seed: SeedContext, input: ProductInput): Promise<ProductView> {
  const headers = authHeaders(seed.staff.token, seed.newKey?.());
  const body = { ...input, currency: input.currency ?? 'EUR' };
  return expectStatus(
    await seed.send<ProductView>(() => seed.api.POST('/v1/products', { body, headers })),
    201,
    `create product ${input.sku}`,
  );
}

/**
 * ScheduleInput is one bus departure to create (the body of POST /v1/schedules): `seatCount`
 * seats at `priceMinor` minor units each, `currency` an ISO 4217 code, EUR when absent.
 */
export type ScheduleInput = Omit<HoldfastRequestBody<'/v1/schedules'>, 'currency'> & {
  currency?: string;
};

/**
 * createSchedule creates one bus schedule as staff and returns its ID.
 * @throws Error unless the API answers 201.
 */
export async function createSchedule(seed: SeedContext, input: ScheduleInput): Promise<string> {
  const headers = authHeaders(seed.staff.token, seed.newKey?.());
  const body = { ...input, currency: input.currency ?? 'EUR' };
  const created = await seed.send<{ id: string }>(() =>
    seed.api.POST('/v1/schedules', { body, headers }),
  );
  return expectStatus(created, 201, `create schedule to ${input.destination}`).id;
}

/**
 * openFundedWallet opens a wallet for `ownerId` in `currency` (EUR when absent), deposits
 * `amountMinor` (minor units) into it when positive, and returns its ID.
 * @throws Error unless the API answers 201 to both.
 */
export async function openFundedWallet(
  seed: SeedContext,
  input: { ownerId: string; amountMinor: number; currency?: string },
): Promise<string> {
  const openHeaders = authHeaders(seed.staff.token, seed.newKey?.());
  const body = {
    ownerId: input.ownerId,
    kind: 'wallet' as const,
    currency: input.currency ?? 'EUR',
  };
  const account = expectStatus(
    await seed.send<AccountView>(() =>
      seed.api.POST('/v1/accounts', { body, headers: openHeaders }),
    ),
    201,
    'open wallet',
  );
  if (input.amountMinor > 0) {
    const depositHeaders = authHeaders(seed.staff.token, seed.newKey?.());
    expectStatus(
      await seed.send(() =>
        seed.api.POST('/v1/accounts/{id}/deposits', {
          params: { path: { id: account.id } },
          body: { amountMinor: input.amountMinor },
          headers: depositHeaders,
        }),
      ),
      201,
      `deposit into ${account.id}`,
    );
  }
  return account.id;
}

/** readAccount reads an account (GET /v1/accounts/:id) as `who`; throws unless it answers 200. */
export async function readAccount(
  typed: TypedApi,
  who: Pick<Actor, 'token'>,
  accountId: string,
): Promise<AccountView> {
  return expectStatus(
    await typed.send<AccountView>(() =>
      typed.api.GET('/v1/accounts/{id}', {
        params: { path: { id: accountId } },
        headers: authHeaders(who.token),
      }),
    ),
    200,
    `read account ${accountId}`,
  );
}
