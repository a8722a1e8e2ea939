import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../api/router';
import { ROOM_TYPES_PER_PROPERTY_MAX, utcDate } from '../../domain/travel';
import { countRows } from '../helpers/factories';
import { actor, useStack, type TestStack } from '../helpers/stack';
import { expect422, inDays, scheduleBody, travelCatalogKit } from '../helpers/travel-catalog';

/*
 * Bad input to the travel catalogue (SPEC.md §1, §6): every case is a 422 validation_failed
 * naming the field, and writes nothing; the limits themselves are accepted.
 */

let stack: TestStack;
let kit: ReturnType<typeof travelCatalogKit>;
let horizonNights: number;
const day = (days: number) => utcDate(Date.now(), days);

beforeAll(async () => {
  // A short horizon keeps the 50 room types of the limit test small (and varies the horizon).
  stack = await useStack({ roomHorizonNights: 40 });
  kit = travelCatalogKit(stack, await actor('staff'));
  horizonNights = stack.config.roomHorizonNights;
});

describe('when travel catalogue input is bad', () => {
  const past = inDays(-1);
  const departsAt = inDays(5);
  const badSchedules: [string, Record<string, unknown>, string][] = [
    ['no seats', { seatCount: 0 }, 'seatCount'],
    ['101 seats', { seatCount: 101 }, 'seatCount'],
    ['a fractional seat count', { seatCount: 2.5 }, 'seatCount'],
    ['a seat count as a string', { seatCount: '10' }, 'seatCount'],
    ['a negative price', { priceMinor: -1 }, 'priceMinor'],
    ['a fractional price', { priceMinor: 10.5 }, 'priceMinor'],
    ['a lower-case currency', { currency: 'eur' }, 'currency'],
    ['a four-letter currency', { currency: 'EURO' }, 'currency'],
    ['no currency', { currency: undefined }, 'currency'],
    ['a departure in the past', { departsAt: past, arrivesAt: inDays(1) }, 'departsAt'],
    ['an arrival at the departure', { departsAt, arrivesAt: departsAt }, 'arrivesAt'],
    ['an arrival before the departure', { departsAt, arrivesAt: inDays(4) }, 'arrivesAt'],
    ['a departure that is not a date-time', { departsAt: 'tomorrow' }, 'departsAt'],
    ['a departure on 30 February', { departsAt: '2031-02-30T10:00:00Z' }, 'departsAt'],
    ['an arrival in the year 10000', { arrivesAt: '9999-12-31T23:00:00-05:00' }, 'arrivesAt'],
    ['a blank origin', { origin: '   ' }, 'origin'],
    ['an origin over 100 characters', { origin: 'x'.repeat(101) }, 'origin'],
    ['a NUL in the destination', { destination: 'Porto\u0000' }, 'destination'],
    ['a seller ID that is not a uuid', { sellerId: 'abc' }, 'sellerId'],
    ['an unknown field', { discount: 5 }, ''],
  ];
  for (const [name, overrides, path] of badSchedules) {
    it(`then a schedule with ${name} → 422 naming ${path || 'the body'}`, async () => {
      const sellerId = await kit.newSeller('bus_operator');

      const res = await kit.post('/v1/schedules', scheduleBody(sellerId, overrides));

      expect422(res, path);
      const sql = 'SELECT count(*) AS n FROM bus_schedules WHERE seller_id = $1';
      expect(await countRows(stack, sql, [sellerId])).toBe(0);
    });
  }

  const badProperties: [string, Record<string, unknown>, string][] = [
    ['a blank name', { name: '' }, 'name'],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
    ['a city over 100 characters', { city: 'x'.repeat(101) }, 'city'],
    ['a NUL in the city', { city: 'Lis\u0000bon' }, 'city'],
    ['an unknown field', { stars: 5 }, ''],
  ];
  const badRoomTypes: [string, Record<string, unknown>, string][] = [
    ['no units', { unitsPerNight: 0 }, 'unitsPerNight'],
    ['1001 units', { unitsPerNight: 1001 }, 'unitsPerNight'],
    ['a negative price', { priceMinor: -5 }, 'priceMinor'],
    ['a lower-case currency', { currency: 'usd' }, 'currency'],
    ['a blank name', { name: ' ' }, 'name'],
    ['an unknown field', { breakfast: true }, ''],
  ];
  it('then bad properties and room types → 422 naming the field, and no row is written', async () => {
    const ownerId = await kit.newSeller('property_owner');
    const propertyId = await kit.createProperty(ownerId, 'Bad input inn', 'Lisbon');
    const room = { name: 'Double', unitsPerNight: 2, priceMinor: 9_000, currency: 'EUR' };

    for (const [name, overrides, path] of badProperties) {
      const body = { sellerId: ownerId, name: 'P', city: 'C', ...overrides };
      expect422(await kit.post('/v1/properties', body), path, `property with ${name}`);
    }
    for (const [name, overrides, path] of badRoomTypes) {
      const res = await kit.post(`/v1/properties/${propertyId}/room-types`, {
        ...room,
        ...overrides,
      });
      expect422(res, path, `room type with ${name}`);
    }

    const properties = 'SELECT count(*) AS n FROM properties WHERE seller_id = $1';
    expect(await countRows(stack, properties, [ownerId])).toBe(1);
    const rooms = 'SELECT count(*) AS n FROM room_types WHERE property_id = $1';
    expect(await countRows(stack, rooms, [propertyId])).toBe(0);
  });

  it('then a room type beyond ROOM_TYPES_PER_PROPERTY_MAX → 422, and the property keeps its room types', async () => {
    const ownerId = await kit.newSeller('property_owner');
    const propertyId = await kit.createProperty(ownerId, 'Full house', 'Lisbon');
    for (let n = 1; n <= ROOM_TYPES_PER_PROPERTY_MAX; n += 1) {
      await kit.createRoomType(propertyId, 1, n);
    }

    const room = { name: 'One more', unitsPerNight: 1, priceMinor: 1, currency: 'EUR' };
    expect422(await kit.post(`/v1/properties/${propertyId}/room-types`, room), 'id');
    const rooms = 'SELECT count(*) AS n FROM room_types WHERE property_id = $1';
    expect(await countRows(stack, rooms, [propertyId])).toBe(ROOM_TYPES_PER_PROPERTY_MAX);
    const nights =
      'SELECT count(*) AS n FROM room_nights n JOIN room_types r ON r.id = n.room_type_id WHERE r.property_id = $1';
    expect(await countRows(stack, nights, [propertyId])).toBe(ROOM_TYPES_PER_PROPERTY_MAX * 40);
  });

  it('then bad hotel searches → 422 naming the parameter, while the limits themselves are accepted', async () => {
    const forged = encodeCursor({ name: 'a\u0000', id: 'not-a-uuid' });
    const badSearches: [string, string][] = [
      [`checkIn=${day(3)}`, 'checkOut'],
      [`checkOut=${day(4)}`, 'checkIn'],
      [`checkIn=2030-1-1&checkOut=2030-01-03`, 'checkIn'],
      [`checkIn=2031-02-30&checkOut=2031-03-02`, 'checkIn'],
      [`checkIn=${day(3)}&checkOut=${day(3)}`, 'checkOut'],
      [`checkIn=${day(4)}&checkOut=${day(3)}`, 'checkOut'],
      [`checkIn=${day(1)}&checkOut=${day(32)}`, 'checkOut'],
      [`checkIn=${day(-1)}&checkOut=${day(2)}`, 'checkIn'],
      [`checkIn=${day(horizonNights - 1)}&checkOut=${day(horizonNights + 1)}`, 'checkOut'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
      [`cursor=${forged}`, 'cursor.id'],
      ['city=%00', 'city'],
    ];
    const accepted = [
      `checkIn=${day(0)}&checkOut=${day(30)}`,
      `checkIn=${day(horizonNights - 30)}&checkOut=${day(horizonNights)}`,
      'limit=200&city=',
    ];

    for (const [query, path] of badSearches)
      expect422(await kit.get(`/v1/hotels?${query}`), path, query);
    for (const query of accepted) expect((await kit.get(`/v1/hotels?${query}`)).status).toBe(200);
  });

  it('then bad schedule searches and IDs → 422 naming the parameter', async () => {
    const forged = encodeCursor({ departsAt: 'yesterday', id: randomUUID() });
    const yearZero = encodeCursor({ departsAt: '0000-01-01T00:00:00Z', id: randomUUID() });
    const bad: [string, string][] = [
      ['/v1/schedules?date=2031-02-30', 'date'],
      ['/v1/schedules?date=2031-01-01T00:00:00Z', 'date'],
      ['/v1/schedules?limit=500', 'limit'],
      [`/v1/schedules?cursor=${forged}`, 'cursor.departsAt'],
      [`/v1/schedules?cursor=${yearZero}`, 'cursor.departsAt'],
      ['/v1/schedules?date=0000-01-01', 'date'],
      ['/v1/schedules?origin=%00', 'origin'],
      ['/v1/schedules/not-a-uuid', 'id'],
      ['/v1/schedules/not-a-uuid/seats', 'id'],
    ];

    for (const [path, field] of bad) expect422(await kit.get(path), field, path);
    expect((await kit.get(`/v1/schedules/${randomUUID()}`)).status).toBe(404);
    expect((await kit.get(`/v1/schedules/${randomUUID()}/seats`)).status).toBe(404);
  });
});
