import { randomInt, randomUUID } from 'node:crypto';
import type { BookingView } from '../../domain/bookings';
import { DAY_MS } from '../../domain/duration';
import type { Actor } from '../../test/helpers/actors';
import type { HoldfastRequestBody, HoldfastResult } from '../../client/index';
import { expectStatus } from '../../test/helpers/http';
import { shuffle } from '../shared/async';
import {
  authHeaders,
  createSeller,
  openFundedWallet,
  type SeedContext,
} from '../../test/helpers/resources';
import { newBar, withBar } from '../shared/progress';
import type { DemoClient, DemoResult, Problem } from './client';
import { RUN_TAG, SETUP_CONCURRENCY } from './settings';
import { printRushFigures, summariseTravel } from './travel-report';
import { confirmStays, settleSeats } from './travel-settle';
import { euros, heading } from './util';

/**
 * `npm run demo -- --scene travel`: a bus seat rush and a hotel-night rush against the RUNNING
 * service, over HTTP only (SPEC.md §6). Staff create a bus operator with a 40-seat bus
 * departing tomorrow; 200 funded travellers click seats at once; most winners confirm (a few
 * twice at once), one or two cancel, the rest stay reserved. Then 40 of them ask for
 * overlapping stays in a hotel with 3 rooms a night, and the winners confirm. The summary
 * (./travel-report.ts) checks that no seat or room-night was sold twice and every wallet was
 * debited once.
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
/**
 * TravelProblem is a refusal body; a 409 `rooms_unavailable` also carries `nights` (a list of
 * dates, while a booking's `nights` is a count: read it with refusedNights, ./travel-checks.ts).
 */
export type TravelProblem = Problem & { seats?: number[] };
/** BookingResult is an answer about a booking: the booking or a TravelProblem. */
export type BookingResult = DemoResult<BookingView & TravelProblem>;

/** Traveller is one customer with a funded EUR wallet; `depositMinor` in minor units. */
export interface Traveller extends Actor {
  index: number;
  walletId: string;
  depositMinor: number;
}

/** Bus is this run's schedule: seats 1…seatCount, `priceMinor` per seat. */
export interface Bus {
  id: string;
  origin: string;
  destination: string;
  departsAt: string;
  seatCount: number;
  priceMinor: number;
}

/** Hotel is this run's property and its one room type of `unitsPerNight` rooms. */
export interface Hotel {
  propertyId: string;
  roomTypeId: string;
  name: string;
  city: string;
  unitsPerNight: number;
  priceMinor: number;
}

/** SeatAttempt is one traveller's POST /v1/bookings: the seats asked for and the answer. */
export interface SeatAttempt {
  traveller: Traveller;
  seats: number[];
  result: BookingResult;
}

/** StayAttempt is one guest's POST /v1/stays: nights [checkIn, checkOut) and the answer. */
export interface StayAttempt {
  traveller: Traveller;
  checkIn: string;
  checkOut: string;
  result: BookingResult;
}

/** Rush is the answers of one burst of simultaneous requests and its wall time in ms. */
export interface Rush<A> {
  attempts: A[];
  wallMs: number;
}

/** Plan is what the demo does with a won booking. */
export type Plan = 'confirm' | 'confirmTwice' | 'confirmThenCancel' | 'leaveReserved';

/** Won is a placed booking, its owner, the plan for it and the answers it got. */
export interface Won {
  booking: BookingView;
  traveller: Traveller;
  plan: Plan;
  confirms: BookingResult[];
  cancel?: BookingResult;
}

/** utcDay returns the UTC calendar date (YYYY-MM-DD) `daysAhead` days from now. */
export function utcDay(daysAhead: number): string {
  return new Date(Date.now() + daysAhead * DAY_MS).toISOString().slice(0, 10);
}

/** seedVia is how the scene seeds as `staff`: every create carries a fresh Idempotency-Key. */
function seedVia(client: DemoClient, staff: Actor): SeedContext {
  return { api: client.api, send: client.send, staff, newKey: randomUUID };
}

/**
 * created sends one staff POST made by `post` (given the staff headers with a fresh
 * Idempotency-Key) and returns the body of its 201 reply; throws on any other status.
 */
async function created<T>(
  client: DemoClient,
  staff: Actor,
  what: string,
  post: (headers: Record<string, string>) => Promise<HoldfastResult>,
): Promise<T> {
  const headers = authHeaders(staff.token, randomUUID());
  return expectStatus(await client.send<T>(() => post(headers)), 201, what);
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
  const schedule = await created<Bus & { seatsAvailable: number }>(
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
  const property = await created<{ id: string }>(client, staff, 'create property', (headers) =>
    client.api.POST('/v1/properties', { body: { sellerId, name, city }, headers }),
  );
  const roomType = await created<{ id: string }>(client, staff, 'create room type', (headers) =>
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
  const indexes = Array.from({ length: TRAVELLER_COUNT }, (_, i) => i);
  const travellers = await withBar(
    'wallets + deposits',
    indexes,
    SETUP_CONCURRENCY,
    async (index) => {
      const actor = await client.newActor('customer');
      const walletId = await openFundedWallet(seedVia(client, staff), {
        ownerId: actor.sub,
        amountMinor: DEPOSIT_MINOR,
        currency: 'EUR',
      });
      return { ...actor, index, walletId, depositMinor: DEPOSIT_MINOR };
    },
  );
  console.log(
    `${travellers.length} travellers with EUR wallets of ${euros(DEPOSIT_MINOR)} each; ${euros(DEPOSIT_MINOR * travellers.length)} deposited`,
  );
  return travellers;
}

/**
 * rush sends one request per item all at once (Promise.all) under a progress bar; returns
 * the answers in item order and the wall time in milliseconds.
 */
async function rush<T>(
  label: string,
  items: readonly T[],
  send: (item: T) => Promise<BookingResult>,
): Promise<{ results: BookingResult[]; wallMs: number }> {
  const bar = newBar(label, items.length);
  try {
    const startedAt = performance.now();
    const results = await Promise.all(
      items.map((item) => send(item).finally(() => bar.increment())),
    );
    return { results, wallMs: performance.now() - startedAt };
  } finally {
    bar.stop();
  }
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
): Promise<Rush<SeatAttempt>> {
  const asks = travellers.map((traveller) => ({ traveller, seats: randomSeats() }));
  const { results, wallMs } = await rush('seat rush', asks, ({ traveller, seats }) => {
    const headers = authHeaders(traveller.token, randomUUID());
    return client.send<BookingView & TravelProblem>(() =>
      client.api.POST('/v1/bookings', { body: { scheduleId: bus.id, seats }, headers }),
    );
  });
  const attempts = asks.map((ask, i) => ({ ...ask, result: results[i]! }));
  printRushFigures('seat', results, wallMs);
  return { attempts, wallMs };
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
): Promise<Rush<StayAttempt>> {
  const asks = guests.map((traveller) => ({ traveller, ...randomStay() }));
  const { results, wallMs } = await rush('stay rush', asks, ({ traveller, checkIn, checkOut }) => {
    const headers = authHeaders(traveller.token, randomUUID());
    const body = { roomTypeId: hotel.roomTypeId, checkIn, checkOut };
    return client.send<BookingView & TravelProblem>(() =>
      client.api.POST('/v1/stays', { body, headers }),
    );
  });
  const attempts = asks.map((ask, i) => ({ ...ask, result: results[i]! }));
  printRushFigures('stay', results, wallMs);
  return { attempts, wallMs };
}

/** runTravelScene runs the travel scene end to end; resolves true on PASS. */
export async function runTravelScene(client: DemoClient, staff: Actor): Promise<boolean> {
  console.log(
    `holdfast travel demo against ${client.baseUrl} (run ${RUN_TAG}, ${TRAVELLER_COUNT} travellers, ${BUS_SEAT_COUNT} seats)`,
  );
  heading('T1. Bus');
  const bus = await setupBus(client, staff);
  heading('T2. Travellers and wallets');
  const travellers = await setupTravellers(client, staff);
  heading('T3. Seat rush');
  const seatRush = await runSeatRush(client, bus, travellers);
  heading('T4. Confirm and cancel seats');
  const seatWins = await settleSeats(client, seatRush.attempts);
  heading('T5. Hotel stays');
  const hotel = await setupHotel(client, staff);
  const stayRush = await runStayRush(client, hotel, shuffle(travellers).slice(0, GUEST_COUNT));
  const stayWins = await confirmStays(client, stayRush.attempts);
  return summariseTravel({
    client,
    staff,
    bus,
    hotel,
    travellers,
    seatRush,
    seatWins,
    stayRush,
    stayWins,
  });
}
