import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Role } from '../../api/middleware/auth';
import {
  actor,
  expectStatus,
  stackCaller,
  TEST_JWT_SECRET,
  type Actor,
  type ApiResult,
  type TestStack,
} from '../app';
import { daysFromToday, openWallet, seedBus, seedCatalog, seedHotel } from '../seed';

/*
 * The small world the fuzzer aims at (issue 11, Fuzzing): a seller of each kind with what it
 * offers, customers with wallets, an order in each state, bookings, transfers, a hold, a
 * retainer, a staff payment, a payment request and an allowance programme, all made through
 * the API as staff or as the customer, so path IDs can be real ones. Beside them, a token of
 * every role and every way a token can be wrong.
 */

/** PoolKind names a kind of resource whose real IDs the fuzzer may put in a path or a body. */
export type PoolKind =
  | 'seller'
  | 'product'
  | 'schedule'
  | 'property'
  | 'roomType'
  | 'order'
  | 'account'
  | 'transfer'
  | 'retainer'
  | 'payment'
  | 'booking'
  | 'paymentRequest'
  | 'program'
  | 'customer';

/** HARVESTED_MAX bounds how many IDs created during a run each pool keeps (the newest). */
const HARVESTED_MAX = 30;

/** FRESH_CUSTOMERS_N is how many extra customers sign requests (each with its own order gate). */
const FRESH_CUSTOMERS_N = 120;

/**
 * FuzzWorld is the seeded world: ID pools per kind (seeded IDs first, then up to
 * HARVESTED_MAX created by successful fuzz requests) and the Authorization header of every
 * token variant (undefined: no header).
 */
export class FuzzWorld {
  private readonly seeded: Map<PoolKind, string[]>;
  private readonly harvested = new Map<PoolKind, string[]>();

  constructor(
    pools: Record<PoolKind, string[]>,
    /** authorizations maps a token variant's name to its Authorization header value. */
    readonly authorizations: Record<string, string | undefined>,
  ) {
    this.seeded = new Map(Object.entries(pools) as [PoolKind, string[]][]);
  }

  /** pool returns the IDs of `kind` the fuzzer may use now: seeded, then harvested. */
  pool(kind: PoolKind): string[] {
    return [...(this.seeded.get(kind) ?? []), ...(this.harvested.get(kind) ?? [])];
  }

  /** pick returns the `index`-th ID of `kind` (modulo the pool), or a random UUID when empty. */
  pick(kind: PoolKind, index: number): string {
    const ids = this.pool(kind);
    return ids.length === 0 ? randomUUID() : ids[index % ids.length]!;
  }

  /** harvest adds an ID a successful request created, keeping the newest HARVESTED_MAX. */
  harvest(kind: PoolKind, id: string): void {
    const ids = this.harvested.get(kind) ?? [];
    if (ids.includes(id)) return;
    ids.push(id);
    if (ids.length > HARVESTED_MAX) ids.shift();
    this.harvested.set(kind, ids);
  }
}

/** SeedActors are the callers the world is made by and the fuzzer signs as. */
interface SeedActors {
  staff: Actor;
  buyer: Actor;
  other: Actor;
}

/**
 * seedFuzzWorld builds the world through the API (201/200 expected for every step; throws
 * otherwise) and signs the token variants with TEST_JWT_SECRET (the stack's JWT_SECRET).
 */
export async function seedFuzzWorld(stack: TestStack): Promise<FuzzWorld> {
  const actors = {
    staff: await actor('staff'),
    buyer: await actor('customer'),
    other: await actor('customer'),
  };
  const { staff, buyer, other } = actors;
  const merchant = await seedCatalog(stack, staff, {
    products: [{ stock: 100_000, category: 'hygiene' }, { stock: 100_000 }, { stock: 3 }],
  });
  const pending = await seedCatalog(stack, staff, { products: [{ stock: 10 }], approved: false });
  const bus = await seedBus(stack, staff, { seatCount: 40 });
  const hotel = await seedHotel(stack, staff, { unitsPerNight: 5 });
  const wallets = [
    await openWallet(stack, staff, buyer, 10_000_000),
    await openWallet(stack, staff, other, 10_000_000),
    await openWallet(stack, staff, buyer, 10_000, 'USD'),
  ];
  const api = seedApi(stack);
  const program = await seedProgram(api, staff, buyer.sub);
  const [p0, p1] = merchant.productIds as [string, string];
  const orders = [
    await api.create(buyer, '/v1/orders', { lines: [{ productId: p0, quantity: 1 }] }),
    await api.create(buyer, '/v1/orders', {
      lines: [{ productId: p1, quantity: 1 }],
      pay: { accountId: wallets[0] },
    }),
    await api.create(buyer, '/v1/orders', {
      lines: [{ productId: p0, quantity: 2 }],
      paymentMethod: 'allowance',
    }),
  ];
  expectStatus(
    await api.post(buyer, '/v1/cart/items', { productId: p1, quantity: 2 }),
    200,
    'cart',
  );
  const money = await seedMoney(api, actors, wallets);
  const bookings = await seedBookings(api, buyer, { ...bus, ...hotel, walletId: wallets[0]! });
  const operatorOf = (sellerId: string) => actor('operator', sellerId);
  const pools: Record<PoolKind, string[]> = {
    seller: [merchant.sellerId, pending.sellerId, bus.sellerId, hotel.sellerId],
    product: [...merchant.productIds, ...pending.productIds],
    schedule: [bus.scheduleId],
    property: [hotel.propertyId],
    roomType: [hotel.roomTypeId],
    order: orders,
    account: [...wallets, money.retainerId, program.fundingAccountId],
    transfer: money.transferIds,
    retainer: [money.retainerId],
    payment: [money.paymentId],
    booking: bookings,
    paymentRequest: [money.paymentRequestId],
    program: [program.id],
    customer: [buyer.sub, other.sub],
  };
  const roles = {
    customer: buyer,
    otherCustomer: other,
    staff,
    otherStaff: await actor('staff'),
    operator: await operatorOf(merchant.sellerId),
    otherOperator: await operatorOf(pending.sellerId),
    busOperator: await operatorOf(bus.sellerId),
    hotelOperator: await operatorOf(hotel.sellerId),
  };
  return new FuzzWorld(pools, await authorizationsOf(roles));
}

/** SeedApi sends seeding requests through the app as one actor. */
interface SeedApi {
  post(who: Actor, path: string, body?: unknown): Promise<ApiResult>;
  /** create POSTs with a fresh Idempotency-Key and returns the new resource's ID (201 expected). */
  create(who: Actor, path: string, body: unknown): Promise<string>;
}

function seedApi(stack: TestStack): SeedApi {
  const call = stackCaller(stack);
  const post = (who: Actor, path: string, body?: unknown) =>
    call('POST', path, { token: who.token, body: body ?? {} });
  return {
    post,
    async create(who, path, body) {
      const res = await call('POST', path, { token: who.token, body, key: randomUUID() });
      return expectStatus<{ id: string }>(res, 201, `seed ${path}`).id;
    },
  };
}

/** seedProgram creates an allowance programme with a pause, `customerId` in it and a voucher. */
async function seedProgram(
  api: SeedApi,
  staff: Actor,
  customerId: string,
): Promise<{ id: string; fundingAccountId: string }> {
  const res = await api.post(staff, '/v1/programs', {
    name: 'fuzz programme',
    currency: 'EUR',
    allowanceMinor: 100_000,
    period: 'month',
    categoryLimits: { hygiene: 5_000 },
  });
  const program = expectStatus<{ id: string; fundingAccountId: string }>(res, 201, 'programme');
  const pause = {
    name: 'summer',
    startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    endsAt: new Date(Date.now() + 40 * 86_400_000).toISOString(),
    multiplier: 2,
  };
  expectStatus(await api.post(staff, `/v1/programs/${program.id}/pauses`, pause), 201, 'pause');
  const join = await api.post(staff, `/v1/programs/${program.id}/participants`, { customerId });
  expectStatus(join, 201, 'participant');
  const voucher = { multiplier: 1.5, expiresAt: new Date(Date.now() + 86_400_000).toISOString() };
  expectStatus(
    await api.post(staff, `/v1/participants/${customerId}/vouchers`, voucher),
    201,
    'voucher',
  );
  return program;
}

/** seedMoney makes a posted transfer, a 24 h hold, a retainer, a staff payment and a request. */
async function seedMoney(api: SeedApi, actors: SeedActors, wallets: string[]) {
  const { staff, buyer } = actors;
  const [fromAccountId, toAccountId] = wallets as [string, string];
  const transfer = { fromAccountId, toAccountId, amountMinor: 100 };
  const transferIds = [
    await api.create(buyer, '/v1/transfers', transfer),
    await api.create(buyer, '/v1/transfers', { ...transfer, hold: { timeout: '24h' } }),
  ];
  const retainerId = await api.create(staff, '/v1/retainers', {
    clientId: buyer.sub,
    initialAmountMinor: 100_000,
    currency: 'EUR',
  });
  const paymentId = await api.create(staff, '/v1/payments', {
    payerAccountId: fromAccountId,
    payeeAccountId: toAccountId,
    amountMinor: 100,
  });
  const paymentRequestId = await api.create(buyer, '/v1/payment-requests', {
    ...transfer,
    reason: 'fuzz seed',
  });
  return { transferIds, retainerId, paymentId, paymentRequestId };
}

/** seedBookings reserves two seats and a confirmed two-night stay for `buyer`. */
async function seedBookings(
  api: SeedApi,
  buyer: Actor,
  input: { scheduleId: string; roomTypeId: string; walletId: string },
): Promise<string[]> {
  const seats = await api.create(buyer, '/v1/bookings', {
    scheduleId: input.scheduleId,
    seats: [1, 2],
  });
  const stay = await api.create(buyer, '/v1/stays', {
    roomTypeId: input.roomTypeId,
    checkIn: daysFromToday(10),
    checkOut: daysFromToday(12),
  });
  const confirm = await api.post(buyer, `/v1/bookings/${stay}/confirm`, {
    accountId: input.walletId,
  });
  expectStatus(confirm, 200, 'confirm stay');
  return [seats, stay];
}

/** sign issues an HS256 token with `claims` as given (no defaults), signed with `secret`. */
async function sign(
  claims: Record<string, unknown>,
  secret = TEST_JWT_SECRET,
  header: { alg: string } = { alg: 'HS256' },
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(new TextEncoder().encode(secret));
}

/** base64url encodes a JSON value for a hand-made token part. */
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * authorizationsOf is every Authorization header the fuzzer sends: a valid token of each
 * role (and FRESH_CUSTOMERS_N customers of their own), and the wrong ones: none, forged,
 * expired, without exp, 25 h ahead, alg none, bad claims, other schemes and garbage.
 */
async function authorizationsOf(
  roles: Record<string, Actor>,
): Promise<Record<string, string | undefined>> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const claims = { sub: randomUUID(), role: 'customer' as Role };
  const bearer = (token: string) => `Bearer ${token}`;
  const headers: Record<string, string | undefined> = { none: undefined };
  for (const [name, who] of Object.entries(roles)) headers[name] = bearer(who.token);
  for (let i = 0; i < FRESH_CUSTOMERS_N; i += 1)
    headers[`freshCustomer${i}`] = bearer((await actor('customer')).token);
  const wrong: Record<string, string> = {
    forged: await sign({ ...claims, exp: nowSeconds + 3600 }, 'another-secret-0123456789abcdef'),
    expired: await sign({ ...claims, exp: nowSeconds - 60 }),
    noExp: await sign(claims),
    exp25h: await sign({ ...claims, exp: nowSeconds + 25 * 3600 }),
    notYetValid: await sign({ ...claims, exp: nowSeconds + 3600, nbf: nowSeconds + 600 }),
    badRole: await sign({ ...claims, role: 'admin', exp: nowSeconds + 3600 }),
    subNotUuid: await sign({ ...claims, sub: 'alice', exp: nowSeconds + 3600 }),
    operatorNoSeller: await sign({ ...claims, role: 'operator', exp: nowSeconds + 3600 }),
    expString: await sign({ ...claims, exp: String(nowSeconds + 3600) }),
    hs512: await sign({ ...claims, exp: nowSeconds + 3600 }, TEST_JWT_SECRET, { alg: 'HS512' }),
    algNone: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, exp: nowSeconds + 3600 })}.`,
  };
  for (const [name, token] of Object.entries(wrong)) headers[name] = bearer(token);
  Object.assign(headers, {
    bearerXY: 'Bearer x.y',
    bearerEmpty: 'Bearer ',
    basic: `Basic ${Buffer.from('staff:secret').toString('base64')}`,
    lowercase: `bearer ${roles.staff!.token}`,
    twoTokens: `Bearer ${roles.staff!.token} ${roles.customer!.token}`,
    garbage: 'Bearer ÿþ%%',
    long: `Bearer ${'a'.repeat(8_000)}`,
  });
  return headers;
}

/** VALID_ROLE_TOKENS names the token variants that authenticate (for weighting the fuzzer). */
export const VALID_ROLE_TOKENS = [
  'customer',
  'otherCustomer',
  'staff',
  'otherStaff',
  'operator',
  'otherOperator',
  'busOperator',
  'hotelOperator',
] as const;

/** freshCustomerToken names the `index`-th fresh customer's token variant. */
export function freshCustomerToken(index: number): string {
  return `freshCustomer${index % FRESH_CUSTOMERS_N}`;
}
