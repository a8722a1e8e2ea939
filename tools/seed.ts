import { randomUUID } from 'node:crypto';
import { expectStatus, stackApi, stackCaller, type Actor, type TestStack } from './app';
import { createProduct, createSeller, openFundedWallet } from './resources';

/*
 * Seeding through an in-process app (tools/app.ts), as staff: a merchant's catalog, a funded
 * wallet, a bus operator's schedule, a property owner's room type. Tests (test/helpers/
 * factories.ts, test/helpers/travel.ts) and the fuzzer's world (tools/fuzz/world.ts) share them.
 */

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

/**
 * seedBus creates a bus operator (approved unless `approved: false`) and one schedule that
 * departs in `departsInMs` (default a week) and arrives `durationMs` later (default 3 h).
 */
export async function seedBus(
  stack: TestStack,
  staff: Actor,
  input: {
    seatCount: number;
    priceMinor?: number;
    departsInMs?: number;
    durationMs?: number;
    approved?: boolean;
  },
): Promise<{ sellerId: string; scheduleId: string }> {
  const api = stackCaller(stack);
  const sellerId = await createSeller(
    { ...stackApi(stack), staff },
    { name: `bus ${randomUUID()}`, approved: input.approved !== false, kind: 'bus_operator' },
  );
  const departsAt = Date.now() + (input.departsInMs ?? 7 * 86_400_000);
  const schedule = expectStatus<{ id: string }>(
    await api('POST', '/v1/schedules', {
      token: staff.token,
      body: {
        sellerId,
        origin: 'Lisbon',
        destination: `Porto ${randomUUID().slice(0, 8)}`,
        departsAt: new Date(departsAt).toISOString(),
        arrivesAt: new Date(departsAt + (input.durationMs ?? 3 * 3_600_000)).toISOString(),
        seatCount: input.seatCount,
        priceMinor: input.priceMinor ?? 1_500,
        currency: 'EUR',
      },
    }),
    201,
    'create schedule',
  );
  return { sellerId, scheduleId: schedule.id };
}

/** seedHotel creates an approved property owner, a property and one room type. */
export async function seedHotel(
  stack: TestStack,
  staff: Actor,
  input: { unitsPerNight: number; priceMinor?: number },
): Promise<{ sellerId: string; propertyId: string; roomTypeId: string }> {
  const api = stackCaller(stack);
  const sellerId = await createSeller(
    { ...stackApi(stack), staff },
    { name: `hotel ${randomUUID()}`, approved: true, kind: 'property_owner' },
  );
  const property = expectStatus<{ id: string }>(
    await api('POST', '/v1/properties', {
      token: staff.token,
      body: { sellerId, name: `Hotel ${randomUUID().slice(0, 8)}`, city: 'Lisbon' },
    }),
    201,
    'create property',
  );
  const roomType = expectStatus<{ id: string }>(
    await api('POST', `/v1/properties/${property.id}/room-types`, {
      token: staff.token,
      body: {
        name: 'Double',
        unitsPerNight: input.unitsPerNight,
        priceMinor: input.priceMinor ?? 9_000,
        currency: 'EUR',
      },
    }),
    201,
    'create room type',
  );
  return { sellerId, propertyId: property.id, roomTypeId: roomType.id };
}

/** daysFromToday is the UTC calendar date `days` after today, YYYY-MM-DD. */
export function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
