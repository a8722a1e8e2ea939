import type { BookingView } from '../../domain/bookings';
import type { Actor } from '../../tools/actors';
import { mapLimit } from '../shared/async';
import type { DemoClient } from './client';
import { awaitExpiry } from './progress';
import {
  describeRush,
  formatCounts,
  formatTable,
  heading,
  rushFigures,
  type TableRow,
} from './report';
import { check, type Check, type SceneContext } from './scene';
import { staffRead } from './seed';
import { SETUP_CONCURRENCY } from './settings';
import {
  covers,
  nextDay,
  nightsOf,
  refusedNights,
  snapshotChecks,
  walletCheck,
} from './travel-checks';
import type {
  Bus,
  Hotel,
  RushAttempts,
  SeatAttempt,
  StayAttempt,
  Traveller,
  Won,
} from './travel-model';
import { SEATS_PER_ROW } from './travel-setup';

/**
 * What the travel scene prints about its results: each rush's figures, the bus's seat map,
 * the hotel's night table, the wait for unconfirmed holds to expire, and the checks that
 * decide PASS or FAIL (./travel-checks.ts).
 */

/** SEAT_LETTERS is the seat map's letter for each seat status. */
const SEAT_LETTERS: Record<string, string> = { free: '.', held: 'H', booked: 'B' };
/** SNAPSHOT_ATTEMPTS_MAX bounds re-reads when a booking changes while the seat map is read. */
const SNAPSHOT_ATTEMPTS_MAX = 3;

/** SeatView is one seat of GET /v1/schedules/:id/seats. */
export interface SeatView {
  seatNo: number;
  status: 'free' | 'held' | 'booked';
}

/** TravelState is everything the summary needs from the scene's steps. */
export interface TravelState {
  client: DemoClient;
  staff: Actor;
  bus: Bus;
  hotel: Hotel;
  travellers: Traveller[];
  seatRush: RushAttempts<SeatAttempt>;
  seatWins: Won[];
  stayRush: RushAttempts<StayAttempt>;
  stayWins: Won[];
}

/**
 * Snapshot is one consistent read of the bus's seat map and of every won booking (by id):
 * `stable` is false when a booking kept changing across SNAPSHOT_ATTEMPTS_MAX reads.
 */
export interface Snapshot {
  seats: SeatView[];
  bookings: Map<string, BookingView>;
  stable: boolean;
}

/** describeAttempts renders a rush's figures in one line (./report.ts describeRush). */
function describeAttempts(noun: string, rush: RushAttempts<SeatAttempt | StayAttempt>): string {
  const results = rush.attempts.map((a) => a.result);
  return describeRush(noun, 'bookings', rush.wallMs, rushFigures(results, rush.wallMs));
}

/** readBookings reads bookings by id as staff (GET /v1/bookings/:id); throws unless 200. */
async function readBookings(
  state: TravelState,
  ids: readonly string[],
): Promise<Map<string, BookingView>> {
  const { client, staff } = state;
  const views = await mapLimit(ids, SETUP_CONCURRENCY, (id) =>
    staffRead<BookingView>(client, staff, `read booking ${id}`, (headers) =>
      client.api.GET('/v1/bookings/{id}', { params: { path: { id } }, headers }),
    ),
  );
  return new Map(views.map((v) => [v.id, v]));
}

/** readSeatMap reads the bus's seats (GET /v1/schedules/:id/seats), ascending by seat number. */
async function readSeatMap(state: TravelState): Promise<SeatView[]> {
  const { client, staff, bus } = state;
  const page = await staffRead<{ items: SeatView[] }>(client, staff, 'read seat map', (headers) =>
    client.api.GET('/v1/schedules/{id}/seats', { params: { path: { id: bus.id } }, headers }),
  );
  return [...page.items].sort((a, b) => a.seatNo - b.seatNo);
}

/**
 * readSnapshot reads every won booking, the seat map, then the bookings again, and repeats
 * (at most SNAPSHOT_ATTEMPTS_MAX times) while a status changed in between (a hold expiring).
 */
export async function readSnapshot(state: TravelState): Promise<Snapshot> {
  const ids = [...state.seatWins, ...state.stayWins].map((w) => w.booking.id);
  const statuses = (m: Map<string, BookingView>) => ids.map((id) => m.get(id)?.status).join();
  for (let attempt = 1; ; attempt += 1) {
    const before = await readBookings(state, ids);
    const seats = await readSeatMap(state);
    const bookings = await readBookings(state, ids);
    const stable = statuses(before) === statuses(bookings);
    if (stable || attempt >= SNAPSHOT_ATTEMPTS_MAX) return { seats, bookings, stable };
  }
}

/** formatSeatMap draws the seats as rows of SEATS_PER_ROW with an aisle: B booked, H held, . free. */
export function formatSeatMap(seats: readonly SeatView[]): string {
  const half = SEATS_PER_ROW / 2;
  const letters = seats.map((s) => SEAT_LETTERS[s.status] ?? '?');
  const lines: string[] = [];
  for (let first = 0; first < letters.length; first += SEATS_PER_ROW) {
    const row = letters.slice(first, first + SEATS_PER_ROW);
    const label = `row ${String(first / SEATS_PER_ROW + 1).padStart(2)}`;
    const range = `seats ${first + 1}–${first + row.length}`;
    lines.push(
      `  ${label}   ${row.slice(0, half).join(' ')}   ${row.slice(half).join(' ')}   ${range}`,
    );
  }
  return lines.join('\n');
}

/** countSeats renders `booked 25, held 4, free 11` for a seat map. */
function countSeats(seats: readonly SeatView[]): string {
  const count = (status: string) => seats.filter((s) => s.status === status).length;
  return `booked ${count('booked')}, held ${count('held')}, free ${count('free')}`;
}

/** printSeatSummary prints the seat map, the bookings' statuses now and the seat rush's figures. */
function printSeatSummary(state: TravelState, snapshot: Snapshot): void {
  const { bus, seatRush } = state;
  heading('Travel summary: bus seats');
  console.log(
    `bus ${bus.origin} → ${bus.destination}, departs ${bus.departsAt}, ${bus.seatCount} seats (B booked, H held, . free; aisle in the middle)`,
  );
  console.log(formatSeatMap(snapshot.seats));
  const statusOf = (w: Won) => snapshot.bookings.get(w.booking.id)?.status ?? 'unread';
  console.log(
    `seats: ${countSeats(snapshot.seats)}; seat bookings now: ${formatCounts(state.seatWins, statusOf, ' ')}`,
  );
  console.log(`seat rush: ${describeAttempts('seat', seatRush)}`);
}

/**
 * readUnitsAvailable asks GET /v1/hotels?city=&checkIn=night&checkOut=next day for this run's
 * room type and returns its unitsAvailable that night; throws when the hotel is not listed.
 */
async function readUnitsAvailable(state: TravelState, night: string): Promise<number> {
  const { client, staff, hotel } = state;
  const query = { city: hotel.city, checkIn: night, checkOut: nextDay(night), limit: 200 };
  const page = await staffRead<{
    items: { id: string; roomTypes: { id: string; unitsAvailable: number | null }[] }[];
  }>(client, staff, `search hotels for ${night}`, (headers) =>
    client.api.GET('/v1/hotels', { params: { query }, headers }),
  );
  const roomType = page.items
    .find((h) => h.id === hotel.propertyId)
    ?.roomTypes.find((r) => r.id === hotel.roomTypeId);
  if (roomType?.unitsAvailable == null)
    throw new Error(`GET /v1/hotels for ${night} does not list room type ${hotel.roomTypeId}`);
  return roomType.unitsAvailable;
}

/**
 * nightRows builds the night table for every night any guest asked for: units, guests asking,
 * 201 stays covering it, held (reserved) and booked (confirmed) now, free per the API, 409s
 * naming it. A night fails when held + booked > units or the API's taken units ≠ held + booked.
 */
export async function nightRows(state: TravelState, snapshot: Snapshot): Promise<TableRow[]> {
  const { hotel, stayRush } = state;
  const nights = [...new Set(stayRush.attempts.flatMap((a) => nightsOf(a.checkIn, a.checkOut)))];
  const stays = state.stayWins.map((w) => snapshot.bookings.get(w.booking.id) ?? w.booking);
  return mapLimit(nights.sort(), SETUP_CONCURRENCY, async (night): Promise<TableRow> => {
    const freeApi = await readUnitsAvailable(state, night);
    const covering = stays.filter((s) => covers(s, night));
    const held = covering.filter((s) => s.status === 'reserved').length;
    const booked = covering.filter((s) => s.status === 'confirmed').length;
    const problems: string[] = [];
    if (held + booked > hotel.unitsPerNight) problems.push(`${night}: held + booked > units`);
    if (covering.length !== held + booked)
      problems.push(
        `${night}: ${covering.length - held - booked} of its 201 stays no longer hold it`,
      );
    if (hotel.unitsPerNight - freeApi !== held + booked)
      problems.push(
        `${night}: API has ${hotel.unitsPerNight - freeApi} taken, stays hold ${held + booked}`,
      );
    const row = {
      night,
      units: hotel.unitsPerNight,
      asking: stayRush.attempts.filter((a) => a.checkIn <= night && night < a.checkOut).length,
      '201 stays': covering.length,
      held,
      booked,
      'free (API)': freeApi,
      '409 naming it': stayRush.attempts.filter((a) => refusedNights(a.result).includes(night))
        .length,
      check: problems.length ? 'FAIL' : 'ok',
    };
    return { row, problems };
  });
}

/** printNightSummary prints the night table and the stay rush's figures; returns its rows. */
async function printNightSummary(state: TravelState, snapshot: Snapshot): Promise<TableRow[]> {
  const { hotel, stayRush } = state;
  heading('Travel summary: hotel nights');
  console.log(
    `"${hotel.name}" in ${hotel.city}, room type of ${hotel.unitsPerNight} rooms a night:`,
  );
  const rows = await nightRows(state, snapshot);
  console.log(formatTable(rows.map((r) => r.row)));
  console.log(`stay rush: ${describeAttempts('stay', stayRush)}`);
  return rows;
}

/**
 * expiryProblems lists the bookings of `held` that did not read `expired` (`after`: their
 * last read status) and their seats that are not free on the seat map read now.
 */
async function expiryProblems(
  state: TravelState,
  held: readonly BookingView[],
  after: ReadonlyMap<string, BookingView>,
): Promise<string[]> {
  const seats = await readSeatMap(state);
  console.log(`after expiry: ${countSeats(seats)}`);
  return held.flatMap((b) => [
    ...(after.get(b.id)?.status === 'expired'
      ? []
      : [`booking ${b.id} is ${after.get(b.id)?.status}`]),
    ...(b.seats ?? [])
      .filter((n) => seats.find((s) => s.seatNo === n)?.status !== 'free')
      .map((n) => `seat ${n} of expired booking ${b.id} is not free`),
  ]);
}

/**
 * awaitHoldExpiry waits, when the last unconfirmed seat hold expires within
 * EXPIRY_WAIT_LIMIT_MS, for those bookings to read `expired` (./progress.ts awaitExpiry),
 * then checks their seats are free again. Returns undefined (no check) when there is nothing
 * to wait for or it is too far away.
 */
async function awaitHoldExpiry(state: TravelState, snapshot: Snapshot): Promise<Check | undefined> {
  const held = state.seatWins
    .map((w) => snapshot.bookings.get(w.booking.id)!)
    .filter((b) => b.status === 'reserved');
  heading('Hold expiry');
  if (held.length === 0) return void console.log('no seat hold is left reserved');
  const after = new Map<string, BookingView>();
  const pending = await awaitExpiry({
    items: held,
    expiresAtMs: (b) => Date.parse(b.expiresAt),
    tooFar: (_soonestMs, latestMs) => [
      `${held.length} seat holds stay reserved until ${new Date(latestMs).toISOString()};`,
      'to watch them expire here, start the service with `BOOKING_HOLD_TTL=60s npm run dev`.',
    ],
    waiting: (latestMs) =>
      `${held.length} unconfirmed seat holds expire by ${new Date(latestMs).toISOString()}; waiting…`,
    label: 'hold TTL',
    stillPending: async (bookings) => {
      const now = await readBookings(
        state,
        bookings.map((b) => b.id),
      );
      for (const b of now.values()) after.set(b.id, b);
      return bookings.filter((b) => now.get(b.id)?.status !== 'expired');
    },
  });
  if (pending === undefined) return undefined;
  const seatCount = held.reduce((sum, b) => sum + (b.seats?.length ?? 0), 0);
  return check(
    'unconfirmed seat holds expire and free their seats',
    await expiryProblems(state, held, after),
    `${held.length} holds expired, ${seatCount} seats free again`,
  );
}

/**
 * reportTravel prints the seat map, the night table and the rushes' figures, waits for the
 * unconfirmed holds to expire (when soon); returns the end-state checks.
 */
export async function reportTravel(_ctx: SceneContext, state: TravelState): Promise<Check[]> {
  const snapshot = await readSnapshot(state);
  printSeatSummary(state, snapshot);
  const rows = await printNightSummary(state, snapshot);
  const checks = snapshotChecks(state, snapshot, rows);
  const expiryCheck = await awaitHoldExpiry(state, snapshot);
  checks.push(await walletCheck(state, snapshot.bookings));
  if (expiryCheck) checks.push(expiryCheck);
  return checks;
}
