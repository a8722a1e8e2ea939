import { randomInt, randomUUID } from 'node:crypto';
import type { BookingView } from '../../domain/bookings';
import { DAY_MS } from '../../domain/duration';
import type { HoldfastRequestBody } from '../../client/index';
import type { Actor } from '../../tools/actors';
import { authHeaders, createSeller } from '../../tools/resources';
import type { DemoClient } from './client';
import { euros, printRush } from './report';
import { rush, type Rush } from './scene';
import { RUN_TAG } from './settings';
import type {
  BookingResult,
  Bus,
  Hotel,
  RushAttempts,
  SeatAttempt,
  StayAttempt,
  TravelProblem,
  Traveller,
} from './travel-model';
import { openWallets, seedVia, staffCreate } from './seed';

/**
 * The travel scene's seeding and rushes: a bus operator with a 40-seat bus departing tomorrow,
 * 200 funded travellers clicking seats at once, then a hotel with 3 rooms a night and 40 of
 * them asking for overlapping stays at once.
 */

/** TRAVELLER_COUNT is how many customers click the bus's seats at the same moment. */
export const TRAVELLER_COUNT = 200;
/** BUS_SEAT_COUNT is the seats of the bus: rows of SEATS_PER_ROW, numbered from 1. */
export const BUS_SEAT_COUNT = 40;
/** SEATS_PER_ROW is the seats of one bus row: two, the aisle, two. */
export const SEATS_PER_ROW = 4;
/** SEAT_PRICE_MINOR is one seat's price in EUR minor units (€24.50). */
const SEAT_PRICE_MINOR = 2_450;
/** GUEST_COUNT is how many travellers also ask for a hotel stay at the same moment. */
export const GUEST_COUNT = 40;
/** ROOM_UNITS_PER_NIGHT is the rooms of the hotel's one room type, each night. */
export const ROOM_UNITS_PER_NIGHT = 3;
/** NIGHT_PRICE_MINOR is one room-night's price in EUR minor units (€89.00). */
const NIGHT_PRICE_MINOR = 8_900;
/** DEPOSIT_MINOR funds each wallet for 2 seats (€49.00) plus a 4-night stay (€356.00). */
const DEPOSIT_MINOR = 50_000;
/** CHECK_IN_FIRST_DAY is the earliest check-in, in days from today (UTC). */
const CHECK_IN_FIRST_DAY = 8;
/** CHECK_IN_SPREAD_DAYS is how many consecutive days check-ins fall on, so stays overlap. */
const CHECK_IN_SPREAD_DAYS = 7;
/** STAY_NIGHTS_DEMO_MAX bounds one guest's stay (1–4 nights). */
const STAY_NIGHTS_DEMO_MAX = 4;
/** utcDay returns the UTC calendar date (YYYY-MM-DD) `daysAhead` days from now. */
export function utcDay(daysAhead: number): string {
  return new Date(Date.now() + daysAhead * DAY_MS).toISOString().slice(0, 10);
}

/** setupBus creates an approved bus operator and a BUS_SEAT_COUNT-seat bus departing tomorrow. */
export async function setupBus(client: DemoClient, staff: Actor): Promise<Bus> {
  const sellerId = await createSeller(seedVia(client, staff), {
    name: `Atlantic Coaches ${RUN_TAG}`,
    kind: 'bus_operator',
    approved: true,
  });
  const tomorrow = utcDay(1);
  const body: HoldfastRequestBody<'/v1/schedules'> = {
    sellerId,
    origin: 'Lisbon',
    destination: `Porto ${RUN_TAG}`,
    departsAt: `${tomorrow}T07:30:00.000Z`,
    arrivesAt: `${tomorrow}T11:05:00.000Z`,
    seatCount: BUS_SEAT_COUNT,
    priceMinor: SEAT_PRICE_MINOR,
    currency: 'EUR',
  };
  const schedule = await staffCreate<Bus & { seatsAvailable: number }>(
    client,
    staff,
    'create schedule',
    (headers) => client.api.POST('/v1/schedules', { body, headers }),
  );
  console.log(
    `approved bus operator, bus ${schedule.origin} → ${schedule.destination} departing ${schedule.departsAt}: ` +
      `${schedule.seatCount} seats at ${euros(schedule.priceMinor)}, ${schedule.seatsAvailable} available`,
  );
  return schedule;
}

/** setupHotel creates an approved property owner, a hotel and one room type of 3 rooms a night. */
export async function setupHotel(client: DemoClient, staff: Actor): Promise<Hotel> {
  const sellerId = await createSeller(seedVia(client, staff), {
    name: `Douro Stays ${RUN_TAG}`,
    kind: 'property_owner',
    approved: true,
  });
  const name = `Casa do Rio ${RUN_TAG}`;
  const city = `Porto ${RUN_TAG}`;
  const property = await staffCreate<{ id: string }>(client, staff, 'create property', (headers) =>
    client.api.POST('/v1/properties', { body: { sellerId, name, city }, headers }),
  );
  const roomType = await staffCreate<{ id: string }>(client, staff, 'create room type', (headers) =>
    client.api.POST('/v1/properties/{id}/room-types', {
      params: { path: { id: property.id } },
      body: {
        name: 'Double room',
        unitsPerNight: ROOM_UNITS_PER_NIGHT,
        priceMinor: NIGHT_PRICE_MINOR,
        currency: 'EUR',
      },
      headers,
    }),
  );
  console.log(
    `approved property owner, hotel "${name}" in ${city}: ${ROOM_UNITS_PER_NIGHT} double rooms a night at ${euros(NIGHT_PRICE_MINOR)}`,
  );
  return {
    propertyId: property.id,
    roomTypeId: roomType.id,
    name,
    city,
    unitsPerNight: ROOM_UNITS_PER_NIGHT,
    priceMinor: NIGHT_PRICE_MINOR,
  };
}

/** setupTravellers creates TRAVELLER_COUNT customers with DEPOSIT_MINOR in a EUR wallet each. */
export async function setupTravellers(client: DemoClient, staff: Actor): Promise<Traveller[]> {
  const travellers = await openWallets(client, staff, TRAVELLER_COUNT, () => DEPOSIT_MINOR);
  console.log(
    `${travellers.length} travellers with EUR wallets of ${euros(DEPOSIT_MINOR)} each; ${euros(DEPOSIT_MINOR * travellers.length)} deposited`,
  );
  return travellers;
}

/** attemptsOf pairs each ask with its answer from `rush`, keeping the rush's wall time. */
function attemptsOf<A>(asks: readonly A[], rush: Rush<BookingResult>) {
  const attempts = asks.map((ask, i) => ({ ...ask, result: rush.results[i]! }));
  return { attempts, wallMs: rush.wallMs };
}

/** randomSeats picks 1 random seat (3 in 4 travellers) or 2 side-by-side seats of one row half. */
function randomSeats(): number[] {
  if (randomInt(4) > 0) return [1 + randomInt(BUS_SEAT_COUNT)];
  const pair = randomInt(BUS_SEAT_COUNT / 2);
  return [2 * pair + 1, 2 * pair + 2];
}

/**
 * runSeatRush has every traveller POST /v1/bookings {scheduleId, seats} (own Idempotency-Key)
 * at the same moment → 201 reserved or 409 seats_unavailable; prints the rush's figures.
 */
export async function runSeatRush(
  client: DemoClient,
  bus: Bus,
  travellers: readonly Traveller[],
): Promise<RushAttempts<SeatAttempt>> {
  const asks = travellers.map((traveller) => ({ traveller, seats: randomSeats() }));
  const seatRush = await rush('seat rush', asks, ({ traveller, seats }) => {
    const headers = authHeaders(traveller.token, randomUUID());
    return client.send<BookingView & TravelProblem>(() =>
      client.api.POST('/v1/bookings', { body: { scheduleId: bus.id, seats }, headers }),
    );
  });
  printRush('seat', 'bookings', seatRush);
  return attemptsOf(asks, seatRush);
}

/** randomStay picks a check-in CHECK_IN_FIRST_DAY…+CHECK_IN_SPREAD_DAYS days out and 1–4 nights. */
function randomStay(): { checkIn: string; checkOut: string } {
  const firstDay = CHECK_IN_FIRST_DAY + randomInt(CHECK_IN_SPREAD_DAYS);
  return {
    checkIn: utcDay(firstDay),
    checkOut: utcDay(firstDay + 1 + randomInt(STAY_NIGHTS_DEMO_MAX)),
  };
}

/**
 * runStayRush has every guest POST /v1/stays {roomTypeId, checkIn, checkOut} (own
 * Idempotency-Key) at the same moment → 201 reserved or 409 rooms_unavailable.
 */
export async function runStayRush(
  client: DemoClient,
  hotel: Hotel,
  guests: readonly Traveller[],
): Promise<RushAttempts<StayAttempt>> {
  const asks = guests.map((traveller) => ({ traveller, ...randomStay() }));
  const stayRush = await rush('stay rush', asks, ({ traveller, checkIn, checkOut }) => {
    const headers = authHeaders(traveller.token, randomUUID());
    const body = { roomTypeId: hotel.roomTypeId, checkIn, checkOut };
    return client.send<BookingView & TravelProblem>(() =>
      client.api.POST('/v1/stays', { body, headers }),
    );
  });
  printRush('stay', 'bookings', stayRush);
  return attemptsOf(asks, stayRush);
}
