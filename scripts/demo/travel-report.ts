import type { BookingView } from '../../domain/bookings';
import type { Actor } from '../../test/helpers/actors';
import { expectStatus } from '../../test/helpers/http';
import { mapLimit, sleep } from '../shared/async';
import { authHeaders } from '../../test/helpers/resources';
import { printCheck } from './checks';
import type { DemoClient } from './client';
import type { Check } from './model';
import { countdown } from './progress';
import { formatTable } from './report';
import { EXPIRY_POLL_TIMEOUT_MS, EXPIRY_WAIT_LIMIT_MS, SETUP_CONCURRENCY } from './settings';
import type {
  BookingResult,
  Bus,
  Hotel,
  Rush,
  SeatAttempt,
  StayAttempt,
  Traveller,
  Won,
} from './travel';
import {
  covers,
  nextDay,
  nightsOf,
  refusedNights,
  snapshotChecks,
  walletCheck,
} from './travel-checks';
import { heading } from './util';

/**
 * What the travel scene prints about its results: each rush's figures, the bus's seat map,
 * the hotel's night table, the wait for unconfirmed holds to expire, and the checks that
 * decide PASS or FAIL (./travel-checks.ts).
 */

/** SEATS_PER_ROW is how the seat map lays the bus out: two seats, the aisle, two seats. */
const SEATS_PER_ROW = 4;
/** SEAT_LETTERS is the seat map's letter for each seat status. */
const SEAT_LETTERS: Record<string, string> = { free: '.', held: 'H', booked: 'B' };
/** SNAPSHOT_ATTEMPTS_MAX bounds re-reads when a booking changes while the seat map is read. */
const SNAPSHOT_ATTEMPTS_MAX = 3;
/** EXPIRY_POLL_INTERVAL_MS is the pause between reads while waiting for `expired`. */
const EXPIRY_POLL_INTERVAL_MS = 1_000;

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
  seatRush: Rush<SeatAttempt>;
  seatWins: Won[];
  stayRush: Rush<StayAttempt>;
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

/** RushFigures are one rush's request count, rate (bookings/s) and latencies (ms). */
export interface RushFigures {
  requestCount: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** rushFigures computes a rush's rate (requests ÷ wall time) and latency percentiles in ms. */
export function rushFigures(results: readonly BookingResult[], wallMs: number): RushFigures {
  const latenciesMs = results.map((r) => r.elapsedMs).sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(p * latenciesMs.length))]!);
  return {
    requestCount: results.length,
    perSecond: results.length / (wallMs / 1000),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: at(1),
  };
}

/** describeRush renders a rush's figures in one line: requests, wall time, bookings/s, p50/p95. */
function describeRush(noun: string, results: readonly BookingResult[], wallMs: number): string {
  const f = rushFigures(results, wallMs);
  return (
    `${f.requestCount} ${noun} requests in ${(wallMs / 1000).toFixed(2)} s → ${f.perSecond.toFixed(1)} bookings/s; ` +
    `latency p50 ${f.p50Ms} ms, p95 ${f.p95Ms} ms, max ${f.maxMs} ms`
  );
}

/** printRushFigures prints a rush's rate and latencies and its answers counted by status and code. */
export function printRushFigures(noun: string, results: readonly BookingResult[], wallMs: number) {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = `${r.status}${r.body?.code ? ` ${r.body.code}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const retried = results.filter((r) => r.attempts > 1).length;
  console.log(describeRush(noun, results, wallMs));
  console.log(
    `answers: ${[...counts.entries()].map(([k, n]) => `${k} ×${n}`).join(', ')}${retried ? `; ${retried} needed a retry` : ''}`,
  );
}

/** readBookings reads bookings by id as staff (GET /v1/bookings/:id); throws unless 200. */
async function readBookings(
  state: TravelState,
  ids: readonly string[],
): Promise<Map<string, BookingView>> {
  const { client, staff } = state;
  const views = await mapLimit(ids, SETUP_CONCURRENCY, async (id) =>
    expectStatus(
      await client.send<BookingView>(() =>
        client.api.GET('/v1/bookings/{id}', {
          params: { path: { id } },
          headers: authHeaders(staff.token),
        }),
      ),
      200,
      `read booking ${id}`,
    ),
  );
  return new Map(views.map((v) => [v.id, v]));
}

/** readSeatMap reads the bus's seats (GET /v1/schedules/:id/seats), ascending by seat number. */
async function readSeatMap(state: TravelState): Promise<SeatView[]> {
  const { client, staff, bus } = state;
  const page = expectStatus(
    await client.send<{ items: SeatView[] }>(() =>
      client.api.GET('/v1/schedules/{id}/seats', {
        params: { path: { id: bus.id } },
        headers: authHeaders(staff.token),
      }),
    ),
    200,
    'read seat map',
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
  const counts = new Map<string, number>();
  for (const w of state.seatWins) {
    const status = snapshot.bookings.get(w.booking.id)?.status ?? 'unread';
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  console.log(
    `seats: ${countSeats(snapshot.seats)}; seat bookings now: ${[...counts.entries()].map(([s, n]) => `${s} ${n}`).join(', ')}`,
  );
  console.log(
    `seat rush: ${describeRush(
      'seat',
      seatRush.attempts.map((a) => a.result),
      seatRush.wallMs,
    )}`,
  );
}

/**
 * readUnitsAvailable asks GET /v1/hotels?city=&checkIn=night&checkOut=next day for this run's
 * room type and returns its unitsAvailable that night; throws when the hotel is not listed.
 */
async function readUnitsAvailable(state: TravelState, night: string): Promise<number> {
  const { client, staff, hotel } = state;
  const query = { city: hotel.city, checkIn: night, checkOut: nextDay(night), limit: 200 };
  const page = expectStatus(
    await client.send<{
      items: { id: string; roomTypes: { id: string; unitsAvailable: number | null }[] }[];
    }>(() =>
      client.api.GET('/v1/hotels', { params: { query }, headers: authHeaders(staff.token) }),
    ),
    200,
    `search hotels for ${night}`,
  );
  const roomType = page.items
    .find((h) => h.id === hotel.propertyId)
    ?.roomTypes.find((r) => r.id === hotel.roomTypeId);
  if (roomType?.unitsAvailable == null)
    throw new Error(`GET /v1/hotels for ${night} does not list room type ${hotel.roomTypeId}`);
  return roomType.unitsAvailable;
}

/** NightRow is one line of the night table plus the problems its figures show. */
export interface NightRow {
  row: Record<string, string | number>;
  problems: string[];
}

/**
 * nightRows builds the night table for every night any guest asked for: units, guests asking,
 * 201 stays covering it, held (reserved) and booked (confirmed) now, free per the API, 409s
 * naming it. A night fails when held + booked > units or the API's taken units ≠ held + booked.
 */
export async function nightRows(state: TravelState, snapshot: Snapshot): Promise<NightRow[]> {
  const { hotel, stayRush } = state;
  const nights = [...new Set(stayRush.attempts.flatMap((a) => nightsOf(a.checkIn, a.checkOut)))];
  const stays = state.stayWins.map((w) => snapshot.bookings.get(w.booking.id) ?? w.booking);
  return mapLimit(nights.sort(), SETUP_CONCURRENCY, async (night): Promise<NightRow> => {
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
async function printNightSummary(state: TravelState, snapshot: Snapshot): Promise<NightRow[]> {
  const { hotel, stayRush } = state;
  heading('Travel summary: hotel nights');
  console.log(
    `"${hotel.name}" in ${hotel.city}, room type of ${hotel.unitsPerNight} rooms a night:`,
  );
  const rows = await nightRows(state, snapshot);
  console.log(formatTable(rows.map((r) => r.row)));
  console.log(
    `stay rush: ${describeRush(
      'stay',
      stayRush.attempts.map((a) => a.result),
      stayRush.wallMs,
    )}`,
  );
  return rows;
}

/**
 * awaitHoldExpiry waits, when the last unconfirmed seat hold expires within
 * EXPIRY_WAIT_LIMIT_MS, for those bookings to read `expired` (polling at most
 * EXPIRY_POLL_TIMEOUT_MS after the last expiresAt), then checks their seats are free again.
 * Returns undefined (no check) when there is nothing to wait for or it is too far away.
 */
async function awaitHoldExpiry(state: TravelState, snapshot: Snapshot): Promise<Check | undefined> {
  const held = state.seatWins
    .map((w) => snapshot.bookings.get(w.booking.id)!)
    .filter((b) => b.status === 'reserved');
  heading('Hold expiry');
  if (held.length === 0) return void console.log('no seat hold is left reserved');
  const latestMs = Math.max(...held.map((b) => Date.parse(b.expiresAt)));
  if (latestMs - Date.now() > EXPIRY_WAIT_LIMIT_MS) {
    console.log(
      `${held.length} seat holds stay reserved until ${new Date(latestMs).toISOString()};`,
    );
    console.log(
      'to watch them expire here, start the service with `BOOKING_HOLD_TTL=60s npm run dev`.',
    );
    return undefined;
  }
  console.log(
    `${held.length} unconfirmed seat holds expire by ${new Date(latestMs).toISOString()}; waiting…`,
  );
  await countdown('hold TTL', latestMs);
  const ids = held.map((b) => b.id);
  let after = await readBookings(state, ids);
  const deadlineMs = Date.now() + EXPIRY_POLL_TIMEOUT_MS;
  while ([...after.values()].some((b) => b.status !== 'expired') && Date.now() < deadlineMs) {
    await sleep(EXPIRY_POLL_INTERVAL_MS);
    after = await readBookings(state, ids);
  }
  const seats = await readSeatMap(state);
  console.log(`after expiry: ${countSeats(seats)}`);
  const problems = [...after.values()].flatMap((b) => [
    ...(b.status === 'expired' ? [] : [`booking ${b.id} is ${b.status}`]),
    ...(b.seats ?? [])
      .filter((n) => seats.find((s) => s.seatNo === n)?.status !== 'free')
      .map((n) => `seat ${n} of expired booking ${b.id} is not free`),
  ]);
  const seatCount = held.reduce((sum, b) => sum + (b.seats?.length ?? 0), 0);
  return {
    name: 'unconfirmed seat holds expire and free their seats',
    ok: problems.length === 0,
    detail: problems.join('; ') || `${held.length} holds expired, ${seatCount} seats free again`,
  };
}

/**
 * summariseTravel prints the seat map, the night table and the rushes' figures, waits for the
 * unconfirmed holds to expire (when soon), then prints the checks; resolves true when all pass.
 */
export async function summariseTravel(state: TravelState): Promise<boolean> {
  const snapshot = await readSnapshot(state);
  printSeatSummary(state, snapshot);
  const rows = await printNightSummary(state, snapshot);
  const checks: Check[] = snapshotChecks(state, snapshot, rows);
  const expiryCheck = await awaitHoldExpiry(state, snapshot);
  checks.push(await walletCheck(state, snapshot.bookings));
  if (expiryCheck) checks.push(expiryCheck);
  heading('Travel checks');
  const passed = checks.map(printCheck).every(Boolean);
  console.log(
    `\n${passed ? 'PASS' : 'FAIL'}: no seat or room-night sold twice, every confirm debited once (${checks.filter((c) => c.ok).length}/${checks.length} checks)`,
  );
  return passed;
}
