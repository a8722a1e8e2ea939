import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { query } from '../../db/transaction';
import { balanceOf, openWallet } from '../helpers/factories';
import { openRequest } from '../helpers/payment-requests';
import { createProduct, createSeller, type SeedContext } from '../../tools/resources';
import {
  actor,
  call,
  expectStatus,
  stackApi,
  useStack,
  type Actor,
  type ApiResult,
  type TestStack,
} from '../helpers/stack';
import { daysFromToday, seedBus, seedHotel } from '../helpers/travel';
import { scheduleBody } from '../helpers/travel-catalog';

/*
 * The auth matrix (issue 11): every endpoint of the app × six callers, against one table.
 *
 * Callers (the table's columns):
 *   none          no Authorization header
 *   owner         a customer: the one who owns the resource where ownership applies (the
 *                 order's, booking's or wallet's customer, the requester, the participant),
 *                 else any customer
 *   other         another customer
 *   staff         a staff member
 *   operator      the operator of the seller behind the resource (the product's merchant, the
 *                 bus operator, the property owner); where a resource has no seller (ledger,
 *                 payment requests, programmes), the operator of an unrelated seller
 *   otherOp       the operator of another seller
 *
 * The rules (SPEC.md §1): no or a bad token → 401 `unauthorized`; the wrong role → 403
 * `forbidden`; a customer asking for someone else's resource → 404 `not_found`, as for a
 * missing one. Every allowed caller gets its 2xx: a row whose allowed callers change state
 * gives each of them a fresh target (`perCaller`); refused callers share one target, which
 * they cannot change. 401, 403 and 404 cells also check the problem's `code`.
 *
 * The table is checked against the app's routes and GET /openapi.json, so a new endpoint
 * without a row fails here.
 */

/** CALLERS are the table's columns, in order. */
const CALLERS = ['none', 'owner', 'other', 'staff', 'operator', 'otherOp'] as const;
type Caller = (typeof CALLERS)[number];

/** Statuses is one row: the status each caller gets, in CALLERS order. */
type Statuses = readonly [
  none: number,
  owner: number,
  other: number,
  staff: number,
  operator: number,
  otherOp: number,
];

// prettier-ignore
const MATRIX = [
  //                                                  none   owner  other  staff  op     otherOp
  // §2 Catalog: staff curate sellers; an operator adds its own seller's products only.
  ['POST /v1/sellers',                               [401,   403,   403,   201,   403,   403]],
  // A seller's own operator cannot approve or suspend it.
  ['POST /v1/sellers/{id}/approve',                  [401,   403,   403,   200,   403,   403]],
  ['POST /v1/sellers/{id}/suspend',                  [401,   403,   403,   200,   403,   403]],
  ['POST /v1/products',                              [401,   403,   403,   201,   201,   403]],
  ['GET /v1/products',                               [401,   200,   200,   200,   200,   200]],
  ['GET /v1/products/{id}',                          [401,   200,   200,   200,   200,   200]],
  // Restocking is staff's, even for the seller's own operator (SPEC.md §2).
  ['POST /v1/products/{id}/restock',                 [401,   403,   403,   200,   403,   403]],
  // §6 Travel catalogue: the bus operator / property owner adds its own offer.
  ['POST /v1/schedules',                             [401,   403,   403,   201,   201,   403]],
  ['GET /v1/schedules',                              [401,   200,   200,   200,   200,   200]],
  ['GET /v1/schedules/{id}',                         [401,   200,   200,   200,   200,   200]],
  ['GET /v1/schedules/{id}/seats',                   [401,   200,   200,   200,   200,   200]],
  ['POST /v1/properties',                            [401,   403,   403,   201,   201,   403]],
  ['POST /v1/properties/{id}/room-types',            [401,   403,   403,   201,   201,   403]],
  ['GET /v1/hotels',                                 [401,   200,   200,   200,   200,   200]],
  // §3 Carts: every customer has their own cart; no one else has one.
  ['GET /v1/cart',                                   [401,   200,   200,   403,   403,   403]],
  ['POST /v1/cart/items',                            [401,   200,   200,   403,   403,   403]],
  ['PUT /v1/cart/items/{productId}',                 [401,   200,   200,   403,   403,   403]],
  // §4 Orders: customers place for themselves. Only customers own orders, so an operator is
  // the wrong role (403), even the operator of the merchant whose product was ordered.
  ['POST /v1/orders',                                [401,   201,   201,   403,   403,   403]],
  // Lists: a customer sees their own orders, staff all of them.
  ['GET /v1/orders',                                 [401,   200,   200,   200,   403,   403]],
  ['GET /v1/orders/{id}',                            [401,   200,   404,   200,   403,   403]],
  // Paying is the owner's alone: staff are the wrong role.
  ['POST /v1/orders/{id}/pay',                       [401,   200,   404,   403,   403,   403]],
  ['POST /v1/orders/{id}/cancel',                    [401,   200,   404,   200,   403,   403]],
  // Fulfilling is staff's: the owner is the wrong role (403, not 404).
  ['POST /v1/orders/{id}/fulfill',                   [401,   403,   403,   200,   403,   403]],
  // §5 Ledger: staff open, list and fund accounts.
  ['POST /v1/accounts',                              [401,   403,   403,   201,   403,   403]],
  ['GET /v1/accounts',                               [401,   403,   403,   200,   403,   403]],
  // Accounts belong to a user id of any role (staff open them for anyone), so an operator who
  // does not own the account is a stranger to hide it from (404), like another customer.
  ['GET /v1/accounts/{id}',                          [401,   200,   404,   200,   404,   404]],
  ['GET /v1/accounts/{id}/entries',                  [401,   200,   404,   200,   404,   404]],
  ['POST /v1/accounts/{id}/deposits',                [401,   403,   403,   201,   403,   403]],
  // The other customer names the owner's wallet as the source: someone else's resource (404).
  // Operators never move money (403).
  ['POST /v1/transfers',                             [401,   201,   404,   201,   403,   403]],
  // A transfer is visible to its parties (owners of either account) and staff.
  ['GET /v1/transfers/{id}',                         [401,   200,   404,   200,   404,   404]],
  // Posting or voiding a hold is its source owner's or staff's (the payee, a party, gets 403).
  ['POST /v1/transfers/{id}/post',                   [401,   200,   404,   200,   404,   404]],
  ['POST /v1/transfers/{id}/void',                   [401,   200,   404,   200,   404,   404]],
  // Retainers and staff payments are staff's; the retainer's client (owner) too gets 403.
  ['POST /v1/retainers',                             [401,   403,   403,   201,   403,   403]],
  ['POST /v1/retainers/{id}/consume',                [401,   403,   403,   200,   403,   403]],
  ['POST /v1/payments',                              [401,   403,   403,   201,   403,   403]],
  ['GET /v1/payments/{id}',                          [401,   403,   403,   200,   403,   403]],
  ['POST /v1/payments/{id}/complete',                [401,   403,   403,   200,   403,   403]],
  // §6 Bookings: like orders, customers hold them; the bus operator is the wrong role.
  ['POST /v1/bookings',                              [401,   201,   201,   403,   403,   403]],
  ['GET /v1/bookings',                               [401,   200,   200,   200,   403,   403]],
  ['POST /v1/stays',                                 [401,   201,   201,   403,   403,   403]],
  ['GET /v1/bookings/{id}',                          [401,   200,   404,   200,   403,   403]],
  // Soft delete (of a cancelled booking) is staff's.
  ['DELETE /v1/bookings/{id}',                       [401,   403,   403,   200,   403,   403]],
  ['POST /v1/bookings/{id}/confirm',                 [401,   200,   404,   403,   403,   403]],
  ['POST /v1/bookings/{id}/cancel',                  [401,   200,   404,   200,   403,   403]],
  // §7 Payment requests: anyone signed in may ask from their own account, staff from any; the
  // body names the owner's wallet, so for everyone else it is someone else's account (404).
  // Staff decide (never the requester).
  ['POST /v1/payment-requests',                      [401,   201,   404,   201,   404,   404]],
  ['GET /v1/payment-requests',                       [401,   403,   403,   200,   403,   403]],
  ['POST /v1/payment-requests/{id}/approve',         [401,   403,   403,   200,   403,   403]],
  ['POST /v1/payment-requests/{id}/reject',          [401,   403,   403,   200,   403,   403]],
  // Operators may be requesters too, so one who is not is a stranger (404), not a wrong role.
  ['GET /v1/payment-requests/{id}',                  [401,   200,   404,   200,   404,   404]],
  // §8 Allowance programmes: staff run them; the participant (owner) reads their balance.
  ['POST /v1/programs',                              [401,   403,   403,   201,   403,   403]],
  ['GET /v1/programs/{id}',                          [401,   403,   403,   200,   403,   403]],
  ['POST /v1/programs/{id}/pauses',                  [401,   403,   403,   201,   403,   403]],
  // Enrolling is staff's: the customer to enrol (owner) cannot enrol themself.
  ['POST /v1/programs/{id}/participants',            [401,   403,   403,   201,   403,   403]],
  ['POST /v1/participants/{customerId}/vouchers',    [401,   403,   403,   201,   403,   403]],
  ['GET /v1/participants/{customerId}/balance',      [401,   200,   404,   200,   403,   403]],
  // §8 Failed-attempt audit: staff only.
  ['GET /v1/admin/order-failures',                   [401,   403,   403,   200,   403,   403]],
  ['GET /v1/admin/order-failures/analytics',         [401,   403,   403,   200,   403,   403]],
  // §11 Events: everyone reads the feed, narrowed to what the caller may see.
  ['GET /v1/events',                                 [401,   200,   200,   200,   200,   200]],
  // §11 Webhook endpoints: staff manage all, an operator its seller's (the target is the
  // operator's; another seller's is 404); customers are a wrong role.
  ['POST /v1/webhook-endpoints',                     [401,   403,   403,   201,   201,   201]],
  ['GET /v1/webhook-endpoints',                      [401,   403,   403,   200,   200,   200]],
  ['GET /v1/webhook-endpoints/{id}',                 [401,   403,   403,   200,   200,   404]],
  ['PATCH /v1/webhook-endpoints/{id}',               [401,   403,   403,   200,   200,   404]],
  ['DELETE /v1/webhook-endpoints/{id}',              [401,   403,   403,   200,   200,   404]],
  ['POST /v1/webhook-endpoints/{id}/rotate-secret',  [401,   403,   403,   200,   200,   404]],
  ['GET /v1/webhook-endpoints/{id}/deliveries',      [401,   403,   403,   200,   200,   404]],
  ['POST /v1/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver',
                                                     [401,   403,   403,   200,   200,   404]],
  // §9 Operating it: public, outside /v1; a token changes nothing.
  ['GET /healthz',                                   [200,   200,   200,   200,   200,   200]],
  ['GET /readyz',                                    [200,   200,   200,   200,   200,   200]],
  ['GET /metrics',                                   [200,   200,   200,   200,   200,   200]],
  ['GET /openapi.json',                              [200,   200,   200,   200,   200,   200]],
  ['GET /docs',                                      [200,   200,   200,   200,   200,   200]],
  // Swagger UI's own files, served from the API's origin (swagger-ui-dist).
  ['GET /docs/swagger-ui.css',                       [200,   200,   200,   200,   200,   200]],
  ['GET /docs/swagger-ui-bundle.js',                 [200,   200,   200,   200,   200,   200]],
  ['GET /docs/swagger-initializer.js',               [200,   200,   200,   200,   200,   200]],
  ['GET /docs/favicon-32x32.png',                    [200,   200,   200,   200,   200,   200]],
] as const satisfies readonly (readonly [string, Statuses])[];

type Endpoint = (typeof MATRIX)[number][0];

/** PROBLEM_CODES is the problem `code` each refusal status of the table must carry. */
const PROBLEM_CODES: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
};

/** Target is what one call needs: the concrete path, the body, and who stands behind it. */
interface Target {
  path: string;
  body?: unknown;
  /** owner is the customer owning the resource; a fresh customer when absent. */
  owner?: Actor;
  /** sellerId is the seller behind the resource, whose operator is `operator`. */
  sellerId?: string;
}

/** Setup makes a row's target; `perCaller` gives every allowed caller a fresh one. */
interface Setup {
  make: () => Promise<Target>;
  perCaller: boolean;
}

/** shared is a setup whose one target serves all six callers. */
const shared = (make: () => Promise<Target>): Setup => ({ make, perCaller: false });

/** perCaller is a setup making a fresh target for each allowed caller (state-changing calls). */
const perCaller = (make: () => Promise<Target>): Setup => ({ make, perCaller: true });

let stack: TestStack;
let staff: Actor;
/** homeSellerId's operator plays `operator` where a resource has no seller. */
let homeSellerId: string;
/** otherOperator is the operator of a seller that owns nothing the matrix touches. */
let otherOperator: Actor;
/** otherSellerId is otherOperator's seller. */
let otherSellerId: string;

beforeAll(async () => {
  // Lift the order gate (throttle, backoff, duplicate window) so the matrix sees authorisation.
  stack = await useStack({
    orderSubmissionsPerMinute: 100_000,
    orderBackoffBaseMs: 1,
    orderBackoffMaxMs: 1,
    duplicateWindowMs: 1,
  });
  staff = await actor('staff');
  homeSellerId = await newSeller();
  otherSellerId = await newSeller();
  otherOperator = await actor('operator', otherSellerId);
});

/** seed is how the shared seeding helpers reach the API: as staff, a fresh key per create. */
function seed(): SeedContext {
  return { ...stackApi(stack), staff, newKey: () => randomUUID() };
}

/** created POSTs `body` to `path` as `who` with a fresh Idempotency-Key; throws unless `status`. */
async function created<T = any>(path: string, who: Actor, body?: unknown, status = 201) {
  const res = await call(stack, 'POST', path, { token: who.token, body, key: randomUUID() });
  return expectStatus<T>(res, status, `seed POST ${path}`);
}

/** newSeller creates a seller of `kind`, approved unless `approved` is false. */
function newSeller(
  kind: 'merchant' | 'bus_operator' | 'property_owner' = 'merchant',
  approved = true,
): Promise<string> {
  return createSeller(seed(), { name: `matrix ${kind} ${randomUUID()}`, approved, kind });
}

/** productBody is a POST /v1/products body for `sellerId` with a unique SKU. */
function productBody(sellerId: string) {
  const suffix = randomUUID();
  const names = { sku: `MX-${suffix}`, name: `matrix ${suffix}` };
  return { sellerId, ...names, priceMinor: 100, currency: 'EUR', stock: 1_000 };
}

/** newProduct creates an approved merchant with one product of 1000 units. */
async function newProduct(): Promise<{ sellerId: string; productId: string }> {
  const sellerId = await newSeller();
  const product = await createProduct(seed(), productBody(sellerId));
  return { sellerId, productId: product.id };
}

/** newOrder places a one-unit order for a fresh customer with a funded wallet; `paid` pays it. */
async function newOrder(paid = false) {
  const [{ sellerId, productId }, owner] = await Promise.all([newProduct(), actor('customer')]);
  const walletId = await openWallet(stack, staff, owner, 10_000);
  const pay = paid ? { pay: { accountId: walletId } } : {};
  const order = await created<{ id: string; status: string }>('/v1/orders', owner, {
    lines: [{ productId, quantity: 1 }],
    ...pay,
  });
  if (paid && order.status !== 'paid') throw new Error(`order not paid: ${order.status}`);
  return { owner, sellerId, walletId, orderId: order.id };
}

/** newSeatBooking holds seat 1 of a fresh bus for a fresh customer; `cancelled` cancels it. */
async function newSeatBooking(cancelled = false) {
  const [{ sellerId, scheduleId }, owner] = await Promise.all([
    seedBus(stack, staff, { seatCount: 2 }),
    actor('customer'),
  ]);
  const booking = await created<{ id: string }>('/v1/bookings', owner, { scheduleId, seats: [1] });
  if (cancelled) await created(`/v1/bookings/${booking.id}/cancel`, owner, undefined, 200);
  return { owner, sellerId, bookingId: booking.id };
}

/** newTransfer moves 100 from a fresh customer's wallet to a stranger's: posted, or a hold. */
async function newTransfer(hold: boolean) {
  const [owner, payee] = await Promise.all([actor('customer'), actor('customer')]);
  const [fromAccountId, toAccountId] = await Promise.all([
    openWallet(stack, staff, owner, 10_000),
    openWallet(stack, staff, payee, 0),
  ]);
  // A hold outlives the test by its timeout at most; its timer then voids it.
  const holdSpec = hold ? { hold: { timeout: '2m' } } : {};
  const transfer = await created<{ id: string }>('/v1/transfers', owner, {
    fromAccountId,
    toAccountId,
    amountMinor: 100,
    ...holdSpec,
  });
  return { owner, transferId: transfer.id };
}

/** newStaffPayment stages a 100 payment from a fresh customer's funded wallet (pending). */
async function newStaffPayment() {
  const [owner, payee] = await Promise.all([actor('customer'), actor('customer')]);
  const [payerAccountId, payeeAccountId] = await Promise.all([
    openWallet(stack, staff, owner, 10_000),
    openWallet(stack, staff, payee, 0),
  ]);
  const body = { payerAccountId, payeeAccountId, amountMinor: 100 };
  const payment = await created<{ id: string }>('/v1/payments', staff, body);
  return { owner, paymentId: payment.id, body };
}

/** newPaymentRequest asks, as a fresh customer, for 100 between two of their wallets. */
async function newPaymentRequest() {
  const owner = await actor('customer');
  const scene = await openRequest(stack, staff, owner, { amountMinor: 100, fundedMinor: 1_000 });
  return { owner, id: scene.request.id };
}

/** newProgram creates a weekly programme of 1000 EUR and returns its ID. */
async function newProgram(): Promise<string> {
  const body = {
    name: `matrix programme ${randomUUID()}`,
    currency: 'EUR',
    allowanceMinor: 1_000,
    period: 'week',
  };
  return (await created<{ id: string }>('/v1/programs', staff, body)).id;
}

/** newParticipant enrols a fresh customer in a fresh programme. */
async function newParticipant() {
  const [programId, owner] = await Promise.all([newProgram(), actor('customer')]);
  await created(`/v1/programs/${programId}/participants`, staff, { customerId: owner.sub });
  return { owner, programId };
}

/** WEBHOOK_BODY is a POST /v1/webhook-endpoints body. */
const WEBHOOK_BODY = { url: 'https://hooks.example.com/matrix', types: ['order.paid'] };

/** newWebhookEndpoint registers an endpoint as the operator of a fresh seller. */
async function newWebhookEndpoint(): Promise<{ id: string; sellerId: string }> {
  const sellerId = await newSeller();
  const operator = await actor('operator', sellerId);
  const endpoint = await created<{ id: string }>('/v1/webhook-endpoints', operator, WEBHOOK_BODY);
  return { id: endpoint.id, sellerId };
}

/** isoIn is the instant `ms` from now, ISO-8601. */
const isoIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * SETUPS make each row's target. A row without one calls its path as written (no parameters,
 * no body).
 */
const SETUPS: { [E in Endpoint]?: Setup } = {
  'POST /v1/sellers': shared(async () => ({
    path: '/v1/sellers',
    body: { name: `matrix seller ${randomUUID()}`, kind: 'merchant' },
  })),
  'POST /v1/sellers/{id}/approve': shared(async () => {
    const sellerId = await newSeller('merchant', false);
    return { path: `/v1/sellers/${sellerId}/approve`, sellerId };
  }),
  'POST /v1/sellers/{id}/suspend': shared(async () => {
    const sellerId = await newSeller();
    return { path: `/v1/sellers/${sellerId}/suspend`, sellerId };
  }),
  'POST /v1/products': perCaller(async () => {
    const sellerId = await newSeller();
    return { path: '/v1/products', body: productBody(sellerId), sellerId };
  }),
  'GET /v1/products': shared(async () => ({ path: '/v1/products?q=matrix' })),
  'GET /v1/products/{id}': shared(async () => {
    const { sellerId, productId } = await newProduct();
    return { path: `/v1/products/${productId}`, sellerId };
  }),
  'POST /v1/products/{id}/restock': shared(async () => {
    const { sellerId, productId } = await newProduct();
    return { path: `/v1/products/${productId}/restock`, body: { quantity: 5 }, sellerId };
  }),
  'POST /v1/schedules': perCaller(async () => {
    const sellerId = await newSeller('bus_operator');
    const body = scheduleBody(sellerId, { destination: `Porto ${randomUUID().slice(0, 8)}` });
    return { path: '/v1/schedules', body, sellerId };
  }),
  'GET /v1/schedules': shared(async () => ({ path: '/v1/schedules?origin=Lisbon' })),
  'GET /v1/schedules/{id}': shared(async () => {
    const { sellerId, scheduleId } = await seedBus(stack, staff, { seatCount: 2 });
    return { path: `/v1/schedules/${scheduleId}`, sellerId };
  }),
  'GET /v1/schedules/{id}/seats': shared(async () => {
    const { sellerId, scheduleId } = await seedBus(stack, staff, { seatCount: 2 });
    return { path: `/v1/schedules/${scheduleId}/seats`, sellerId };
  }),
  'POST /v1/properties': perCaller(async () => {
    const sellerId = await newSeller('property_owner');
    const body = { sellerId, name: `Hotel ${randomUUID().slice(0, 8)}`, city: 'Lisbon' };
    return { path: '/v1/properties', body, sellerId };
  }),
  'POST /v1/properties/{id}/room-types': perCaller(async () => {
    const sellerId = await newSeller('property_owner');
    const propertyBody = { sellerId, name: `Hotel ${randomUUID().slice(0, 8)}`, city: 'Lisbon' };
    const property = await created<{ id: string }>('/v1/properties', staff, propertyBody);
    const body = { name: 'Double', unitsPerNight: 2, priceMinor: 9_000, currency: 'EUR' };
    return { path: `/v1/properties/${property.id}/room-types`, body, sellerId };
  }),
  'GET /v1/hotels': shared(async () => ({ path: '/v1/hotels?city=Lisbon' })),
  'POST /v1/cart/items': shared(async () => {
    const { sellerId, productId } = await newProduct();
    return { path: '/v1/cart/items', body: { productId, quantity: 1 }, sellerId };
  }),
  'PUT /v1/cart/items/{productId}': shared(async () => {
    const { sellerId, productId } = await newProduct();
    return { path: `/v1/cart/items/${productId}`, body: { quantity: 2 }, sellerId };
  }),
  'POST /v1/orders': shared(async () => {
    const { sellerId, productId } = await newProduct();
    return { path: '/v1/orders', body: { lines: [{ productId, quantity: 1 }] }, sellerId };
  }),
  'GET /v1/orders/{id}': shared(async () => {
    const { owner, sellerId, orderId } = await newOrder();
    return { path: `/v1/orders/${orderId}`, owner, sellerId };
  }),
  'POST /v1/orders/{id}/pay': shared(async () => {
    const { owner, sellerId, orderId, walletId } = await newOrder();
    return { path: `/v1/orders/${orderId}/pay`, body: { accountId: walletId }, owner, sellerId };
  }),
  'POST /v1/orders/{id}/cancel': perCaller(async () => {
    const { owner, sellerId, orderId } = await newOrder();
    return { path: `/v1/orders/${orderId}/cancel`, owner, sellerId };
  }),
  'POST /v1/orders/{id}/fulfill': shared(async () => {
    const { owner, sellerId, orderId } = await newOrder(true);
    return { path: `/v1/orders/${orderId}/fulfill`, owner, sellerId };
  }),
  'POST /v1/accounts': shared(async () => {
    const owner = await actor('customer');
    const body = { ownerId: owner.sub, kind: 'wallet', currency: 'EUR' };
    return { path: '/v1/accounts', body, owner };
  }),
  'GET /v1/accounts/{id}': shared(async () => {
    const owner = await actor('customer');
    return { path: `/v1/accounts/${await openWallet(stack, staff, owner, 100)}`, owner };
  }),
  'GET /v1/accounts/{id}/entries': shared(async () => {
    const owner = await actor('customer');
    return { path: `/v1/accounts/${await openWallet(stack, staff, owner, 100)}/entries`, owner };
  }),
  'POST /v1/accounts/{id}/deposits': shared(async () => {
    const owner = await actor('customer');
    const walletId = await openWallet(stack, staff, owner, 0);
    return { path: `/v1/accounts/${walletId}/deposits`, body: { amountMinor: 100 }, owner };
  }),
  'POST /v1/transfers': shared(async () => {
    const [owner, payee] = await Promise.all([actor('customer'), actor('customer')]);
    const [fromAccountId, toAccountId] = await Promise.all([
      openWallet(stack, staff, owner, 10_000),
      openWallet(stack, staff, payee, 0),
    ]);
    return { path: '/v1/transfers', body: { fromAccountId, toAccountId, amountMinor: 100 }, owner };
  }),
  'GET /v1/transfers/{id}': shared(async () => {
    const { owner, transferId } = await newTransfer(false);
    return { path: `/v1/transfers/${transferId}`, owner };
  }),
  'POST /v1/transfers/{id}/post': perCaller(async () => {
    const { owner, transferId } = await newTransfer(true);
    return { path: `/v1/transfers/${transferId}/post`, body: {}, owner };
  }),
  'POST /v1/transfers/{id}/void': perCaller(async () => {
    const { owner, transferId } = await newTransfer(true);
    return { path: `/v1/transfers/${transferId}/void`, body: {}, owner };
  }),
  'POST /v1/retainers': shared(async () => {
    const owner = await actor('customer');
    const body = { clientId: owner.sub, initialAmountMinor: 1_000, currency: 'EUR' };
    return { path: '/v1/retainers', body, owner };
  }),
  'POST /v1/retainers/{id}/consume': shared(async () => {
    const owner = await actor('customer');
    const body = { clientId: owner.sub, initialAmountMinor: 1_000, currency: 'EUR' };
    const retainer = await created<{ id: string }>('/v1/retainers', staff, body);
    const consume = { amountMinor: 10, description: 'matrix work' };
    return { path: `/v1/retainers/${retainer.id}/consume`, body: consume, owner };
  }),
  'POST /v1/payments': shared(async () => {
    const { owner, body } = await newStaffPayment();
    return { path: '/v1/payments', body, owner };
  }),
  'GET /v1/payments/{id}': shared(async () => {
    const { owner, paymentId } = await newStaffPayment();
    return { path: `/v1/payments/${paymentId}`, owner };
  }),
  'POST /v1/payments/{id}/complete': shared(async () => {
    const { owner, paymentId } = await newStaffPayment();
    return { path: `/v1/payments/${paymentId}/complete`, owner };
  }),
  'POST /v1/bookings': perCaller(async () => {
    const { sellerId, scheduleId } = await seedBus(stack, staff, { seatCount: 2 });
    return { path: '/v1/bookings', body: { scheduleId, seats: [1] }, sellerId };
  }),
  'POST /v1/stays': shared(async () => {
    // Five rooms a night: the owner's and the other customer's stays both fit.
    const { sellerId, roomTypeId } = await seedHotel(stack, staff, { unitsPerNight: 5 });
    const body = { roomTypeId, checkIn: daysFromToday(3), checkOut: daysFromToday(4) };
    return { path: '/v1/stays', body, sellerId };
  }),
  'GET /v1/bookings/{id}': shared(async () => {
    const { owner, sellerId, bookingId } = await newSeatBooking();
    return { path: `/v1/bookings/${bookingId}`, owner, sellerId };
  }),
  'DELETE /v1/bookings/{id}': shared(async () => {
    const { owner, sellerId, bookingId } = await newSeatBooking(true);
    return { path: `/v1/bookings/${bookingId}`, owner, sellerId };
  }),
  'POST /v1/bookings/{id}/confirm': shared(async () => {
    const { owner, sellerId, bookingId } = await newSeatBooking();
    const accountId = await openWallet(stack, staff, owner, 10_000);
    return { path: `/v1/bookings/${bookingId}/confirm`, body: { accountId }, owner, sellerId };
  }),
  'POST /v1/bookings/{id}/cancel': perCaller(async () => {
    const { owner, sellerId, bookingId } = await newSeatBooking();
    return { path: `/v1/bookings/${bookingId}/cancel`, owner, sellerId };
  }),
  'POST /v1/payment-requests': shared(async () => {
    const owner = await actor('customer');
    const [fromAccountId, toAccountId] = await Promise.all([
      openWallet(stack, staff, owner, 1_000),
      openWallet(stack, staff, owner, 0),
    ]);
    const body = { fromAccountId, toAccountId, amountMinor: 100, reason: 'matrix' };
    return { path: '/v1/payment-requests', body, owner };
  }),
  'POST /v1/payment-requests/{id}/approve': shared(async () => {
    const { owner, id } = await newPaymentRequest();
    return { path: `/v1/payment-requests/${id}/approve`, body: { note: 'ok' }, owner };
  }),
  'POST /v1/payment-requests/{id}/reject': shared(async () => {
    const { owner, id } = await newPaymentRequest();
    return { path: `/v1/payment-requests/${id}/reject`, body: { reason: 'not now' }, owner };
  }),
  'GET /v1/payment-requests/{id}': shared(async () => {
    const { owner, id } = await newPaymentRequest();
    return { path: `/v1/payment-requests/${id}`, owner };
  }),
  'POST /v1/programs': shared(async () => ({
    path: '/v1/programs',
    body: { name: `matrix ${randomUUID()}`, currency: 'EUR', allowanceMinor: 500, period: 'month' },
  })),
  'GET /v1/programs/{id}': shared(async () => ({ path: `/v1/programs/${await newProgram()}` })),
  'POST /v1/programs/{id}/pauses': shared(async () => {
    const body = { name: 'break', startsAt: isoIn(3_600_000), endsAt: isoIn(7_200_000) };
    return { path: `/v1/programs/${await newProgram()}/pauses`, body: { ...body, multiplier: 2 } };
  }),
  'POST /v1/programs/{id}/participants': shared(async () => {
    const [programId, owner] = await Promise.all([newProgram(), actor('customer')]);
    const body = { customerId: owner.sub };
    return { path: `/v1/programs/${programId}/participants`, body, owner };
  }),
  'POST /v1/participants/{customerId}/vouchers': shared(async () => {
    const { owner } = await newParticipant();
    const body = { multiplier: 2, expiresAt: isoIn(86_400_000) };
    return { path: `/v1/participants/${owner.sub}/vouchers`, body, owner };
  }),
  'GET /v1/participants/{customerId}/balance': shared(async () => {
    const { owner } = await newParticipant();
    return { path: `/v1/participants/${owner.sub}/balance`, owner };
  }),
  'POST /v1/webhook-endpoints': shared(async () => ({
    path: '/v1/webhook-endpoints',
    body: WEBHOOK_BODY,
  })),
  'GET /v1/webhook-endpoints/{id}': shared(async () => {
    const { id, sellerId } = await newWebhookEndpoint();
    return { path: `/v1/webhook-endpoints/${id}`, sellerId };
  }),
  'PATCH /v1/webhook-endpoints/{id}': shared(async () => {
    const { id, sellerId } = await newWebhookEndpoint();
    return { path: `/v1/webhook-endpoints/${id}`, body: { disabled: true }, sellerId };
  }),
  'DELETE /v1/webhook-endpoints/{id}': perCaller(async () => {
    const { id, sellerId } = await newWebhookEndpoint();
    return { path: `/v1/webhook-endpoints/${id}`, sellerId };
  }),
  'POST /v1/webhook-endpoints/{id}/rotate-secret': shared(async () => {
    const { id, sellerId } = await newWebhookEndpoint();
    return { path: `/v1/webhook-endpoints/${id}/rotate-secret`, sellerId };
  }),
  'GET /v1/webhook-endpoints/{id}/deliveries': shared(async () => {
    const { id, sellerId } = await newWebhookEndpoint();
    return { path: `/v1/webhook-endpoints/${id}/deliveries`, sellerId };
  }),
  'POST /v1/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver': shared(async () => {
    const { id, sellerId } = await newWebhookEndpoint();
    // A delivery row as the dispatcher leaves it: redelivering it is what is authorised here.
    const deliveryId = randomUUID();
    await query(
      stack.db,
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts)
       VALUES ($1, $2, $3, 'delivered', 1)`,
      [deliveryId, id, randomUUID()],
    );
    return { path: `/v1/webhook-endpoints/${id}/deliveries/${deliveryId}/redeliver`, sellerId };
  }),
};

/** tokenOf is `caller`'s bearer token for `target` (none has no token). */
async function tokenOf(caller: Caller, target: Target): Promise<string | undefined> {
  switch (caller) {
    case 'none':
      return undefined;
    case 'owner':
      return (target.owner ?? (await actor('customer'))).token;
    case 'other':
      return (await actor('customer')).token;
    case 'staff':
      return staff.token;
    case 'operator':
      return (await actor('operator', target.sellerId ?? homeSellerId)).token;
    case 'otherOp':
      return otherOperator.token;
  }
}

/**
 * runRow makes the row's targets (one per allowed caller of a perCaller row, one shared by the
 * rest) and sends the six calls at once, each POST with a fresh Idempotency-Key.
 */
async function runRow(endpoint: Endpoint, expected: Statuses): Promise<ApiResult[]> {
  const [method, template] = endpoint.split(' ') as [string, string];
  const setup = SETUPS[endpoint] ?? shared(async () => ({ path: template }));
  const own = CALLERS.map((_, i) => setup.perCaller && expected[i]! < 300);
  const common = own.every(Boolean) ? undefined : setup.make();
  const targets = await Promise.all(own.map((fresh) => (fresh ? setup.make() : common!)));
  return Promise.all(
    CALLERS.map(async (caller, i) => {
      const target = targets[i]!;
      const key = method === 'POST' ? randomUUID() : undefined;
      const token = await tokenOf(caller, target);
      return call(stack, method, target.path, { token, body: target.body, key });
    }),
  );
}

/** mismatch describes a cell whose status (or problem code) is not the table's, else undefined. */
function mismatch(caller: Caller, expected: number, res: ApiResult): string | undefined {
  const wantCode = PROBLEM_CODES[expected];
  if (res.status === expected && (wantCode === undefined || res.body?.code === wantCode))
    return undefined;
  const want = wantCode === undefined ? `${expected}` : `${expected} ${wantCode}`;
  const body = typeof res.body === 'object' ? JSON.stringify(res.body) : String(res.body);
  return `${caller}: expected ${want}, got ${res.status} ${body.slice(0, 300)}`;
}

/** observed counts the cells each row called, for the summary printed at the end. */
const observed = new Map<Endpoint, number>();

afterAll(() => {
  const counts = new Map<number, number>();
  for (const [, statuses] of MATRIX)
    for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  const byStatus = [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  const checked = [...observed.values()].reduce((sum, n) => sum + n, 0);
  console.log(
    `auth matrix: ${MATRIX.length} endpoints × ${CALLERS.length} callers = ` +
      `${MATRIX.length * CALLERS.length} cells (${byStatus}); ${checked} cells called`,
  );
});

describe('auth matrix (SPEC.md §1 on every endpoint)', () => {
  it('has one row per route the app serves and GET /openapi.json lists', async ({ expect }) => {
    const table = MATRIX.map(([endpoint]) => endpoint as string);
    expect(new Set(table).size, 'a row appears twice').toBe(table.length);
    const doc = expectStatus<{ paths: Record<string, Record<string, unknown>> }>(
      await call(stack, 'GET', '/openapi.json'),
      200,
    );
    const documented = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(
      documented.filter((e) => !table.includes(e)),
      'documented, not in the table',
    ).toEqual([]);
    const served = stack.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect([...new Set(served)].sort(), 'the app serves exactly the table').toEqual(
      [...table].sort(),
    );
    const stray = Object.keys(SETUPS).filter((e) => !table.includes(e));
    expect(stray, 'setups without a row').toEqual([]);
  });

  for (const [endpoint, expected] of MATRIX) {
    it.concurrent(endpoint, async ({ expect }) => {
      const results = await runRow(endpoint, expected);
      observed.set(endpoint, results.length);
      const cells = CALLERS.map((caller, i) => mismatch(caller, expected[i]!, results[i]!));
      const wrong = cells.filter((cell) => cell !== undefined);
      expect(wrong, `${endpoint}: cells that differ from the table`).toEqual([]);
    });
  }
});

/*
 * Authorise, then validate (SPEC.md §1): a caller refused by role gets its 403 (and a caller
 * without a token its 401) even when the request is also malformed. Each row is called with
 * a malformed request: every path parameter `not_an_id`, `limit=0` and `days=0` in the query,
 * and a body with nothing but an unknown field. The cells the table refuses by role keep their
 * 401 / 403; every other cell, allowed or hidden (404), is 422 `validation_failed`, which shows
 * the request was indeed malformed for the route.
 */

/** SELLER_403 are the 403 cells that judge the seller named in the body, not the role. */
const SELLER_403: Partial<Record<Endpoint, readonly Caller[]>> = {
  'POST /v1/products': ['otherOp'],
  'POST /v1/schedules': ['otherOp'],
  'POST /v1/properties': ['otherOp'],
  'POST /v1/properties/{id}/room-types': ['otherOp'],
};

/** NO_INPUT are rows whose route validates nothing: a malformed request is still its 2xx. */
const NO_INPUT: readonly Endpoint[] = ['GET /v1/cart'];

/** malformedStatus is what `caller` gets for a malformed request to `endpoint`. */
function malformedStatus(endpoint: Endpoint, caller: Caller, wellFormed: number): number {
  if (wellFormed === 401) return 401;
  if (wellFormed === 403 && !SELLER_403[endpoint]?.includes(caller)) return 403;
  return NO_INPUT.includes(endpoint) ? wellFormed : 422;
}

/** freshToken is a token for a new user playing `caller` (own write limits, no setup needed). */
async function freshToken(caller: Caller): Promise<string | undefined> {
  switch (caller) {
    case 'none':
      return undefined;
    case 'owner':
    case 'other':
      return (await actor('customer')).token;
    case 'staff':
      return staff.token;
    case 'operator':
      return (await actor('operator', homeSellerId)).token;
    case 'otherOp':
      return (await actor('operator', otherSellerId)).token;
  }
}

describe('the wrong role with a malformed request (authorise before validating)', () => {
  const guarded = MATRIX.filter(([, statuses]) => statuses.some((s) => s === 401 || s === 403));
  for (const [endpoint, expected] of guarded) {
    it.concurrent(endpoint, async ({ expect }) => {
      const [method, template] = endpoint.split(' ') as [string, string];
      const path = `${template.replace(/\{\w+\}/g, 'not_an_id')}?limit=0&days=0`;
      const body = method === 'POST' || method === 'PUT' ? { unexpectedField: true } : undefined;
      const results = await Promise.all(
        CALLERS.map(async (caller) =>
          call(stack, method, path, {
            token: await freshToken(caller),
            body,
            key: method === 'POST' ? randomUUID() : undefined,
          }),
        ),
      );
      const cells = CALLERS.map((caller, i) => {
        const want = malformedStatus(endpoint, caller, expected[i]!);
        const code = want === 422 ? 'validation_failed' : PROBLEM_CODES[want];
        const res = results[i]!;
        if (res.status === want && (code === undefined || res.body?.code === code))
          return undefined;
        return `${caller}: expected ${want} ${code ?? ''}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
      });
      expect(
        cells.filter((cell) => cell !== undefined),
        `${endpoint}: malformed`,
      ).toEqual([]);
    });
  }
});

/*
 * Someone else's resource named in the body or the query (SPEC.md §1): 404 `not_found`, the
 * very answer a missing one gets, so the answer tells nothing about what is not the caller's
 * (not whether it exists, nor its currency). Nothing moves.
 */

/** expectHidden checks that naming someone else's resource and a missing one answer alike. */
function expectHidden(
  expect: (value: unknown, message?: string) => any,
  theirs: ApiResult,
  missing: ApiResult,
): void {
  expect([theirs.status, theirs.body?.code], 'someone else’s').toEqual([404, 'not_found']);
  expect(theirs.body, 'someone else’s and a missing one').toEqual(missing.body);
}

/** systemAccountId is the `external` EUR account, which every deposit draws from. */
async function systemAccountId(): Promise<string> {
  const [row] = await query<{ id: string }>(
    stack.db,
    `SELECT id FROM accounts WHERE owner_id IS NULL AND kind = 'external' AND currency = 'EUR'`,
  );
  return row!.id;
}

/** strangerWallet opens a wallet of 10 000 for a fresh customer, in `currency`. */
async function strangerWallet(currency = 'EUR'): Promise<string> {
  return openWallet(stack, staff, await actor('customer'), 10_000, currency);
}

/** postBoth POSTs `bodyOf(theirs)` and `bodyOf(missing)` to `path` as `who`, fresh keys. */
async function postBoth(
  path: string,
  who: Actor,
  bodyOf: (id: string) => unknown,
  theirs: string,
): Promise<[ApiResult, ApiResult]> {
  const send = (id: string) =>
    call(stack, 'POST', path, { token: who.token, body: bodyOf(id), key: randomUUID() });
  return [await send(theirs), await send(randomUUID())];
}

describe("someone else's resource in the body or the query (404, as in a path)", () => {
  it.concurrent('POST /v1/bookings/{id}/confirm from a stranger’s wallet', async ({ expect }) => {
    const { owner, bookingId } = await newSeatBooking();
    const theirs = await strangerWallet();
    const path = `/v1/bookings/${bookingId}/confirm`;

    const [other, missing] = await postBoth(path, owner, (accountId) => ({ accountId }), theirs);

    expectHidden(expect, other, missing);
    expect(await balanceOf(stack, theirs)).toBe(10_000);
    const booking = await call(stack, 'GET', `/v1/bookings/${bookingId}`, { token: owner.token });
    expect(booking.body.status).toBe('reserved');
  });

  it.concurrent('POST /v1/orders/{id}/pay from a stranger’s wallet', async ({ expect }) => {
    const { owner, orderId } = await newOrder();
    const theirs = await strangerWallet();
    const path = `/v1/orders/${orderId}/pay`;

    const [other, missing] = await postBoth(path, owner, (accountId) => ({ accountId }), theirs);

    expectHidden(expect, other, missing);
    expect(await balanceOf(stack, theirs)).toBe(10_000);
  });

  it.concurrent('POST /v1/orders paying at once from a stranger’s wallet', async ({ expect }) => {
    const [{ productId }, owner, theirs] = await Promise.all([
      newProduct(),
      actor('customer'),
      strangerWallet(),
    ]);
    const bodyOf = (accountId: string) => ({
      lines: [{ productId, quantity: 1 }],
      pay: { accountId },
    });

    const [other, missing] = await postBoth('/v1/orders', owner, bodyOf, theirs);

    expectHidden(expect, other, missing);
    expect(await balanceOf(stack, theirs)).toBe(10_000);
  });

  it.concurrent(
    'POST /v1/payment-requests from a stranger’s account in another currency',
    async ({ expect }) => {
      const owner = await actor('customer');
      const [toAccountId, theirs] = await Promise.all([
        openWallet(stack, staff, owner, 0, 'EUR'),
        strangerWallet('USD'),
      ]);
      const bodyOf = (fromAccountId: string) => ({
        fromAccountId,
        toAccountId,
        amountMinor: 100,
        reason: 'matrix',
      });

      const [other, missing] = await postBoth('/v1/payment-requests', owner, bodyOf, theirs);

      expectHidden(expect, other, missing);
    },
  );

  it.concurrent('POST /v1/transfers from a stranger’s wallet', async ({ expect }) => {
    const owner = await actor('customer');
    const [toAccountId, theirs] = await Promise.all([
      openWallet(stack, staff, owner, 0),
      strangerWallet(),
    ]);
    const bodyOf = (fromAccountId: string) => ({ fromAccountId, toAccountId, amountMinor: 100 });

    const [other, missing] = await postBoth('/v1/transfers', owner, bodyOf, theirs);

    expectHidden(expect, other, missing);
    expect(await balanceOf(stack, theirs)).toBe(10_000);
  });

  it.concurrent('POST /v1/transfers to a system account', async ({ expect }) => {
    const owner = await actor('customer');
    const fromAccountId = await openWallet(stack, staff, owner, 1_000);
    const external = await systemAccountId();
    const bodyOf = (toAccountId: string) => ({ fromAccountId, toAccountId, amountMinor: 100 });

    const [system, missing] = await postBoth('/v1/transfers', owner, bodyOf, external);

    expectHidden(expect, system, missing);
    expect(await balanceOf(stack, fromAccountId)).toBe(1_000);
  });

  for (const list of ['/v1/bookings', '/v1/orders']) {
    it.concurrent(`GET ${list}?customerId= naming another customer`, async ({ expect }) => {
      const [owner, stranger] = await Promise.all([actor('customer'), actor('customer')]);
      const get = (customerId: string) =>
        call(stack, 'GET', `${list}?customerId=${customerId}`, { token: owner.token });

      const [other, missing, own] = await Promise.all([
        get(stranger.sub),
        get(randomUUID()),
        get(owner.sub),
      ]);

      expectHidden(expect, other, missing);
      expect(own.status).toBe(200);
    });
  }
});

/*
 * A key's stored answer is never shown to another caller (SPEC.md §1: keys are scoped to the
 * caller). A second caller sending the same key and the same body runs as its own request: it
 * gets its own answer (404 for the first caller's resource, a new resource of its own), never
 * the first caller's, and never `Idempotent-Replayed`.
 */
describe('one Idempotency-Key, two callers', () => {
  /** twice sends `body` to `path` with one key, as `first` and then as `second`. */
  async function twice(path: string, first: Actor, second: Actor, body?: unknown) {
    const key = randomUUID();
    const a = await call(stack, 'POST', path, { token: first.token, body, key });
    const b = await call(stack, 'POST', path, { token: second.token, body, key });
    return [a, b] as const;
  }

  it.concurrent(
    'POST /v1/transfers: the stranger is refused, not replayed the 201',
    async ({ expect }) => {
      const { path, body, owner } = await SETUPS['POST /v1/transfers']!.make();
      const [first, second] = await twice(path, owner!, await actor('customer'), body);

      expect(first.status).toBe(201);
      expect([second.status, second.body.code]).toEqual([404, 'not_found']);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
    },
  );

  it.concurrent(
    'POST /v1/bookings/{id}/confirm: the owner is not shown the stranger’s 404',
    async ({ expect }) => {
      const { path, body, owner } = await SETUPS['POST /v1/bookings/{id}/confirm']!.make();
      const [first, second] = await twice(path, await actor('customer'), owner!, body);

      expect([first.status, first.body.code]).toEqual([404, 'not_found']);
      expect(second.status).toBe(200);
      expect(second.body.status).toBe('confirmed');
      expect(second.headers.get('idempotent-replayed')).toBeNull();
    },
  );

  it.concurrent(
    'POST /v1/payment-requests: the stranger is refused, not replayed the 201',
    async ({ expect }) => {
      const { path, body, owner } = await SETUPS['POST /v1/payment-requests']!.make();
      const [first, second] = await twice(path, owner!, await actor('customer'), body);

      expect(first.status).toBe(201);
      expect([second.status, second.body.code]).toEqual([404, 'not_found']);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
    },
  );

  it.concurrent(
    'POST /v1/orders/{id}/cancel: the stranger is refused, not replayed the 200',
    async ({ expect }) => {
      const { path, owner } = await SETUPS['POST /v1/orders/{id}/cancel']!.make();
      const [first, second] = await twice(path, owner!, await actor('customer'));

      expect(first.status).toBe(200);
      expect([second.status, second.body.code]).toEqual([404, 'not_found']);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
    },
  );

  it.concurrent(
    'POST /v1/accounts: two staff members each get their own account',
    async ({ expect }) => {
      const { path, body } = await SETUPS['POST /v1/accounts']!.make();
      const [first, second] = await twice(path, staff, await actor('staff'), body);

      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body.id).not.toBe(first.body.id);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
    },
  );
});
