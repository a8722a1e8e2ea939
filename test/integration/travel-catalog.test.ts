import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute } from '../../db/transaction';
import { utcDate } from '../../domain/travel';
import { countRows, expectLedgerConsistent } from '../helpers/factories';
import { actor, call, expectStatus, useStack, type Actor, type TestStack } from '../helpers/stack';
import {
  expect422,
  scheduleBody,
  takeNight,
  takeSeats,
  travelCatalogKit,
} from '../helpers/travel-catalog';

/*
 * The travel catalogue (SPEC.md §6 without the bookings) on the real stack: schedules and seat
 * maps, properties and room types, and the two searches. Seats and nights are taken by
 * bookings rows written in SQL (takeSeats, takeNight) that keep every booking invariant the
 * ledger check runs, since other test files run that check concurrently. Bad input is in
 * travel-catalog-bad-input.test.ts.
 */

let stack: TestStack;
let staff: Actor;
let kit: ReturnType<typeof travelCatalogKit>;
let horizonNights: number;
const day = (days: number) => utcDate(Date.now(), days);

beforeAll(async () => {
  stack = await useStack();
  staff = await actor('staff');
  kit = travelCatalogKit(stack, staff);
  horizonNights = stack.config.roomHorizonNights;
});

describe('bus schedules', () => {
  it('when staff create a schedule, then it has seatCount free seats, and a keyed retry names the same schedule', async () => {
    const sellerId = await kit.newSeller('bus_operator');
    const body = scheduleBody(sellerId);

    const first = await kit.post('/v1/schedules', body, staff, 'schedule-1');
    const retry = await kit.post('/v1/schedules', body, staff, 'schedule-1');

    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      ...body,
      id: expect.any(String),
      seatsAvailable: 3,
      createdAt: expect.any(String),
    });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const bySeller = 'SELECT count(*) AS n FROM bus_schedules WHERE seller_id = $1';
    expect(await countRows(stack, bySeller, [sellerId])).toBe(1);
    const seats = expectStatus(await kit.get(`/v1/schedules/${first.body.id}/seats`), 200);
    expect(seats).toEqual({
      items: [1, 2, 3].map((seatNo) => ({ seatNo, status: 'free' })),
    });
  });

  it('when operators and customers create schedules, then only the operator of that bus operator may', async () => {
    const sellerId = await kit.newSeller('bus_operator');
    const otherId = await kit.newSeller('bus_operator');
    const own = await actor('operator', sellerId);
    const other = await actor('operator', otherId);
    const customer = await actor('customer');

    const byOwn = await kit.post('/v1/schedules', scheduleBody(sellerId), own);
    const byOther = await kit.post('/v1/schedules', scheduleBody(sellerId), other);
    const byCustomer = await kit.post('/v1/schedules', scheduleBody(sellerId), customer);

    expect(byOwn.status).toBe(201);
    expect([byOther.status, byOther.body.code]).toEqual([403, 'forbidden']);
    expect([byCustomer.status, byCustomer.body.code]).toEqual([403, 'forbidden']);
    const bySeller = 'SELECT count(*) AS n FROM bus_schedules WHERE seller_id = $1';
    expect(await countRows(stack, bySeller, [sellerId])).toBe(1);
  });

  it('when the seller is unknown or not a bus operator, then 404 or 422 naming sellerId, and nothing is written', async () => {
    const merchantId = await kit.newSeller('merchant');
    const ownerId = await kit.newSeller('property_owner');

    const unknown = await kit.post('/v1/schedules', scheduleBody(randomUUID()));
    const merchant = await kit.post('/v1/schedules', scheduleBody(merchantId));
    const owner = await kit.post('/v1/schedules', scheduleBody(ownerId));

    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
    expect422(merchant, 'sellerId');
    expect422(owner, 'sellerId');
    const sql = 'SELECT count(*) AS n FROM bus_schedules WHERE seller_id = ANY($1::uuid[])';
    expect(await countRows(stack, sql, [[merchantId, ownerId]])).toBe(0);
  });

  it('when seats are held and booked, then seatsAvailable and the seat map show it', async () => {
    const sellerId = await kit.newSeller('bus_operator');
    const destination = `Faro ${randomUUID().slice(0, 8)}`;
    const created = await kit.post(
      '/v1/schedules',
      scheduleBody(sellerId, { seatCount: 4, destination }),
    );
    const scheduleId = expectStatus<{ id: string }>(created, 201).id;

    await takeSeats(stack, { sellerId, taken: 'held' }, { scheduleId, seats: [2] });
    await takeSeats(stack, { sellerId, taken: 'booked' }, { scheduleId, seats: [3, 4] });

    const customer = await actor('customer');
    const search = `/v1/schedules?destination=${encodeURIComponent(destination)}`;
    const view = expectStatus(await kit.get(`/v1/schedules/${scheduleId}`, customer), 200);
    const found = expectStatus(await kit.get(search, customer), 200);
    const seats = expectStatus(await kit.get(`/v1/schedules/${scheduleId}/seats`, customer), 200);

    expect(view).toMatchObject({ seatCount: 4, seatsAvailable: 1 });
    expect(found.items.map((s: any) => [s.id, s.seatsAvailable])).toEqual([[scheduleId, 1]]);
    const statuses = ['free', 'held', 'booked', 'booked'];
    expect(seats).toEqual({ items: statuses.map((status, i) => ({ seatNo: i + 1, status })) });
    await expectLedgerConsistent(stack);
  });

  it('when a bus operator is not approved, then its schedules are in no search, and only staff can get them', async () => {
    const sellerId = await kit.newSeller('bus_operator', false);
    const destination = `Braga ${randomUUID().slice(0, 8)}`;
    const created = await kit.post('/v1/schedules', scheduleBody(sellerId, { destination }));
    const scheduleId = expectStatus<{ id: string }>(created, 201).id;
    const customer = await actor('customer');
    const search = `/v1/schedules?destination=${encodeURIComponent(destination)}`;

    expect(expectStatus(await kit.get(search, customer), 200).items).toEqual([]);
    expect(expectStatus(await kit.get(search, staff), 200).items).toEqual([]);
    expect((await kit.get(`/v1/schedules/${scheduleId}`, customer)).status).toBe(404);
    expect((await kit.get(`/v1/schedules/${scheduleId}/seats`, customer)).status).toBe(404);
    expect((await kit.get(`/v1/schedules/${scheduleId}`, staff)).status).toBe(200);
    expect((await kit.get(`/v1/schedules/${scheduleId}/seats`, staff)).status).toBe(200);

    expectStatus(await kit.post(`/v1/sellers/${sellerId}/approve`, undefined), 200);
    const visible = expectStatus(await kit.get(search, customer), 200);
    expect(visible.items.map((s: { id: string }) => s.id)).toEqual([scheduleId]);
    expect((await kit.get(`/v1/schedules/${scheduleId}/seats`, customer)).status).toBe(200);
  });

  it('when schedules are searched by route and day, then matches ignore case, keep to the UTC day, and page in departure order', async () => {
    const sellerId = await kit.newSeller('bus_operator');
    const destination = `Porto ${randomUUID().slice(0, 8)}`;
    const date = day(10);
    const [late, early, nextDay] = [`${date}T23:30`, `${date}T00:30`, `${day(11)}T00:10`];
    const ids: Record<string, string> = {};
    for (const time of [late, early, nextDay]) {
      const departsAt = `${time}:00.000Z`;
      const arrivesAt = `${day(12)}T00:00:00.000Z`;
      const body = scheduleBody(sellerId, { destination, departsAt, arrivesAt });
      ids[time] = expectStatus<{ id: string }>(await kit.post('/v1/schedules', body), 201).id;
    }
    const other = { origin: 'Coimbra', destination, departsAt: `${early}:00.000Z` };
    const otherBody = scheduleBody(sellerId, { ...other, arrivesAt: `${day(12)}T00:00:00.000Z` });
    expectStatus(await kit.post('/v1/schedules', otherBody), 201);
    const route = `origin=LISBON&destination=${encodeURIComponent(destination.toLowerCase())}`;

    const onDay = expectStatus(await kit.get(`/v1/schedules?${route}&date=${date}`), 200);
    const pages: string[][] = [];
    let cursor: string | null = '';
    for (let n = 0; n < 10 && cursor !== null; n += 1) {
      const res = await kit.get(
        `/v1/schedules?${route}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const body = expectStatus<{ items: { id: string }[]; nextCursor: string | null }>(res, 200);
      pages.push(body.items.map((s) => s.id));
      cursor = body.nextCursor;
    }
    const byDestination = expectStatus(
      await kit.get(`/v1/schedules?destination=${encodeURIComponent(destination)}`),
      200,
    );

    expect(onDay.items.map((s: { id: string }) => s.id)).toEqual([ids[early], ids[late]]);
    expect(pages.flat()).toEqual([ids[early], ids[late], ids[nextDay]]);
    expect(pages.at(-1)).toEqual([]);
    expect(byDestination.items).toHaveLength(4);
  });
});

describe('properties and room types', () => {
  it("when staff and the owner's operator add properties and room types, then nights open to the horizon, and others are refused", async () => {
    const ownerId = await kit.newSeller('property_owner');
    const otherId = await kit.newSeller('property_owner');
    const own = await actor('operator', ownerId);
    const other = await actor('operator', otherId);
    const customer = await actor('customer');
    const body = { sellerId: ownerId, name: 'Casa Azul', city: 'Lisbon' };

    const byStaff = await kit.post('/v1/properties', body);
    const byOwn = await kit.post('/v1/properties', body, own);
    const byOther = await kit.post('/v1/properties', body, other);
    const byCustomer = await kit.post('/v1/properties', body, customer);
    const propertyId = byStaff.body.id;
    const roomTypes = `/v1/properties/${propertyId}/room-types`;
    const room = { name: 'Double', unitsPerNight: 2, priceMinor: 9_000, currency: 'EUR' };
    const roomByStaff = await kit.post(roomTypes, room);
    const roomByOwn = await kit.post(roomTypes, { ...room, name: 'Single' }, own);
    const roomByOther = await kit.post(roomTypes, room, other);
    const roomByCustomer = await kit.post(roomTypes, room, customer);
    const unknownProperty = await kit.post(`/v1/properties/${randomUUID()}/room-types`, room);
    const otherCurrency = await kit.post(roomTypes, { ...room, currency: 'USD' });

    expect(byStaff.status).toBe(201);
    expect(byStaff.body).toEqual({
      ...body,
      id: expect.any(String),
      active: true,
      createdAt: expect.any(String),
    });
    expect(byOwn.status).toBe(201);
    expect([byOther.status, byCustomer.status]).toEqual([403, 403]);
    expect(roomByStaff.status).toBe(201);
    expect(roomByStaff.body).toEqual({
      ...room,
      id: expect.any(String),
      propertyId,
      createdAt: expect.any(String),
    });
    expect(roomByOwn.status).toBe(201);
    expect([roomByOther.status, roomByCustomer.status, unknownProperty.status]).toEqual([
      403, 403, 404,
    ]);
    expect422(otherCurrency, 'currency');
    const rooms = 'SELECT count(*) AS n FROM room_types WHERE property_id = $1';
    expect(await countRows(stack, rooms, [propertyId])).toBe(2);
    const [nights] = await execute<{ n: string; first: string; last: string; wrong: string }>(
      stack.db,
      `SELECT count(*) AS n, to_char(min(night), 'YYYY-MM-DD') AS first,
         to_char(max(night), 'YYYY-MM-DD') AS last,
         count(*) FILTER (WHERE units <> 2 OR held <> 0 OR booked <> 0) AS wrong
       FROM room_nights WHERE room_type_id = $1`,
      [roomByStaff.body.id],
    );
    expect(nights).toEqual({
      n: String(horizonNights),
      first: day(0),
      last: day(horizonNights - 1),
      wrong: '0',
    });
  });

  it('when the seller is unknown or not a property owner, then 404 or 422 naming sellerId, and nothing is written', async () => {
    const busId = await kit.newSeller('bus_operator');
    const merchantId = await kit.newSeller('merchant');

    const unknown = await kit.post('/v1/properties', {
      sellerId: randomUUID(),
      name: 'X',
      city: 'Y',
    });
    const bus = await kit.post('/v1/properties', { sellerId: busId, name: 'X', city: 'Y' });
    const merchant = await kit.post('/v1/properties', {
      sellerId: merchantId,
      name: 'X',
      city: 'Y',
    });

    expect([unknown.status, unknown.body.code]).toEqual([404, 'not_found']);
    expect422(bus, 'sellerId');
    expect422(merchant, 'sellerId');
    const sql = 'SELECT count(*) AS n FROM properties WHERE seller_id = ANY($1::uuid[])';
    expect(await countRows(stack, sql, [[busId, merchantId]])).toBe(0);
  });
});

describe('hotel search', () => {
  it('when hotels are searched by city without dates, then only active properties of approved owners show, with their cheapest price', async () => {
    const city = `Evora ${randomUUID().slice(0, 8)}`;
    const ownerId = await kit.newSeller('property_owner');
    const pendingId = await kit.newSeller('property_owner', false);
    const withRooms = await kit.createProperty(ownerId, 'A hotel', city);
    await kit.createRoomType(withRooms, 2, 9_000);
    await kit.createRoomType(withRooms, 1, 7_000);
    const empty = await kit.createProperty(ownerId, 'B hotel', city);
    const inactive = await kit.createProperty(ownerId, 'C hotel', city);
    await kit.createRoomType(inactive, 1, 100);
    await execute(stack.db, 'UPDATE properties SET active = false WHERE id = $1', [inactive]);
    await kit.createRoomType(await kit.createProperty(pendingId, 'D hotel', city), 1, 100);
    const customer = await actor('customer');
    const search = `/v1/hotels?city=${encodeURIComponent(city.toUpperCase())}`;

    const all = expectStatus(await kit.get(search, customer), 200);
    const first = expectStatus(await kit.get(`${search}&limit=1`, customer), 200);
    const second = expectStatus(
      await kit.get(`${search}&limit=1&cursor=${first.nextCursor}`, customer),
      200,
    );

    const roomType = (unitsPerNight: number, priceMinor: number) => ({
      id: expect.any(String),
      name: `room ${priceMinor}`,
      priceMinor,
      currency: 'EUR',
      unitsPerNight,
      unitsAvailable: null,
    });
    expect(all.items).toEqual([
      {
        id: withRooms,
        sellerId: ownerId,
        name: 'A hotel',
        city,
        currency: 'EUR',
        minPriceMinor: 7_000,
        available: true,
        roomTypes: [roomType(1, 7_000), roomType(2, 9_000)],
      },
      {
        id: empty,
        sellerId: ownerId,
        name: 'B hotel',
        city,
        currency: null,
        minPriceMinor: null,
        available: false,
        roomTypes: [],
      },
    ]);
    expect(all.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((h: { id: string }) => h.id)).toEqual([
      withRooms,
      empty,
    ]);
  });

  it('when hotels are searched with dates, then each room type counts its fewest free rooms over the nights, and the price follows what is open', async () => {
    const city = `Sintra ${randomUUID().slice(0, 8)}`;
    const ownerId = await kit.newSeller('property_owner');
    const propertyId = await kit.createProperty(ownerId, 'Quinta', city);
    const cheap = await kit.createRoomType(propertyId, 1, 5_000);
    const dear = await kit.createRoomType(propertyId, 2, 8_000);
    /** offer searches the city for nights [checkIn, checkOut) and returns its one hotel. */
    const offer = async (checkIn: number, checkOut: number) => {
      const res = await kit.get(
        `/v1/hotels?city=${encodeURIComponent(city)}&checkIn=${day(checkIn)}&checkOut=${day(checkOut)}`,
      );
      const [hotel] = expectStatus(res, 200).items;
      const units = Object.fromEntries(hotel.roomTypes.map((r: any) => [r.id, r.unitsAvailable]));
      return {
        units: [units[cheap], units[dear]],
        minPriceMinor: hotel.minPriceMinor,
        available: hotel.available,
      };
    };

    /** take holds or books one unit of `roomTypeId` on the night `night` days from today. */
    const take = (roomTypeId: string, night: number, taken: 'held' | 'booked') =>
      takeNight(stack, { sellerId: ownerId, taken }, { roomTypeId, night: day(night) });

    expect(await offer(3, 6)).toEqual({ units: [1, 2], minPriceMinor: 5_000, available: true });
    await take(dear, 4, 'held');
    await take(cheap, 5, 'booked');
    expect(await offer(3, 6)).toEqual({ units: [0, 1], minPriceMinor: 8_000, available: true });
    expect(await offer(6, 8)).toEqual({ units: [1, 2], minPriceMinor: 5_000, available: true });
    await take(dear, 4, 'booked');
    expect(await offer(3, 6)).toEqual({ units: [0, 0], minPriceMinor: null, available: false });

    // A night with no row yet (rows are created lazily beyond the horizon) counts unitsPerNight.
    await execute(
      stack.db,
      'DELETE FROM room_nights WHERE room_type_id = $1 AND night = $2::date',
      [dear, day(7)],
    );
    await execute(
      stack.db,
      'UPDATE room_nights SET units = 1 WHERE room_type_id = $1 AND night = $2::date',
      [dear, day(6)],
    );
    expect(await offer(7, 8)).toEqual({ units: [1, 2], minPriceMinor: 5_000, available: true });
    expect(await offer(6, 8)).toEqual({ units: [1, 1], minPriceMinor: 5_000, available: true });
    await expectLedgerConsistent(stack);
  });
});

describe('the OpenAPI document', () => {
  it('then it lists the travel routes under the travel tag', async () => {
    const spec = expectStatus(await call(stack, 'GET', '/openapi.json'), 200);

    for (const path of [
      '/v1/schedules',
      '/v1/schedules/{id}/seats',
      '/v1/hotels',
      '/v1/properties/{id}/room-types',
    ]) {
      const operations = Object.values(spec.paths[path] ?? {}) as { tags?: string[] }[];
      expect(operations.map((o) => o.tags)).toContainEqual(['travel']);
    }
  });
});
