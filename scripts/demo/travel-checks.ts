import type { BookingView } from '../../domain/bookings';
import { DAY_MS } from '../../domain/duration';
import { euros, type TableRow } from './report';
import { check, type Check } from './scene';
import type { BookingResult, SeatAttempt, StayAttempt } from './travel-model';
import type { Snapshot, TravelState } from './travel-report';
import { walletProblems } from './seed';

/**
 * The travel scene's PASS/FAIL checks (SPEC.md §6), each naming the figures it compared: no
 * seat or room-night held twice, refusals name only what a 201 holds, duplicate confirms
 * agree, cancelled seats are free, and every wallet was debited exactly once.
 */

/** nextDay returns the calendar day after `date` (both YYYY-MM-DD, UTC). */
export function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
}

/** nightsOf lists the nights [checkIn, checkOut) as YYYY-MM-DD, ascending (at most 31). */
export function nightsOf(checkIn: string, checkOut: string): string[] {
  const nights: string[] = [];
  for (let night = checkIn; night < checkOut && nights.length <= 31; night = nextDay(night))
    nights.push(night);
  return nights;
}

/** covers tells whether a stay booking includes `night` (YYYY-MM-DD). */
export function covers(stay: Pick<BookingView, 'checkIn' | 'checkOut'>, night: string): boolean {
  return (
    stay.checkIn !== null &&
    stay.checkOut !== null &&
    stay.checkIn <= night &&
    night < stay.checkOut
  );
}

/** refusedNights returns the nights a 409 rooms_unavailable names; [] for any other answer. */
export function refusedNights(result: BookingResult): string[] {
  const nights: unknown = result.body?.nights;
  return result.status === 409 && Array.isArray(nights) ? (nights as string[]) : [];
}

/** isLive tells whether a booking still holds its seats or nights (reserved or confirmed). */
function isLive(booking: BookingView): boolean {
  return booking.status === 'reserved' || booking.status === 'confirmed';
}

/** answersCheck: every seat request answered 201 or 409 seats_unavailable, every stay 201 or 409 rooms_unavailable. */
function answersCheck(state: TravelState): Check {
  const odd = (attempts: readonly (SeatAttempt | StayAttempt)[], code: string) =>
    attempts
      .map((a) => a.result)
      .filter((r) => r.status !== 201 && !(r.status === 409 && r.body?.code === code))
      .map((r) => `${r.status} ${JSON.stringify(r.body)}`);
  const { seatRush, stayRush } = state;
  return check(
    'every booking request answers 201 or 409 seats_unavailable / rooms_unavailable',
    [
      ...odd(seatRush.attempts, 'seats_unavailable'),
      ...odd(stayRush.attempts, 'rooms_unavailable'),
    ],
    `${seatRush.attempts.length} seat requests, ${stayRush.attempts.length} stay requests`,
  );
}

/**
 * seatsOnceCheck compares the seat map with the won bookings: each seat is in at most one
 * live booking, a seat is `held` or `booked` exactly when its live booking is reserved or
 * confirmed, and free when no live booking has it.
 */
function seatsOnceCheck(state: TravelState, snapshot: Snapshot): Check {
  const live = state.seatWins.map((w) => snapshot.bookings.get(w.booking.id)!).filter(isLive);
  const owners = new Map<number, BookingView[]>();
  for (const b of live) for (const n of b.seats ?? []) owners.set(n, [...(owners.get(n) ?? []), b]);
  const problems: string[] = [];
  for (const seat of snapshot.seats) {
    const holders = owners.get(seat.seatNo) ?? [];
    const expected =
      holders.length === 0 ? 'free' : holders[0]!.status === 'confirmed' ? 'booked' : 'held';
    if (holders.length > 1)
      problems.push(`seat ${seat.seatNo} is in ${holders.length} live bookings`);
    else if (seat.status !== expected)
      problems.push(`seat ${seat.seatNo} is ${seat.status}, its bookings say ${expected}`);
  }
  if (snapshot.seats.length !== state.bus.seatCount)
    problems.push(`seat map has ${snapshot.seats.length} of ${state.bus.seatCount} seats`);
  if (!snapshot.stable) problems.push('bookings kept changing while the seat map was read');
  const taken = snapshot.seats.filter((s) => s.status !== 'free').length;
  return check(
    'no seat held or booked twice',
    problems,
    `${taken} of ${state.bus.seatCount} seats taken, each by exactly one of ${live.length} live 201 bookings (of ${state.seatWins.length} 201s); ${state.bus.seatCount - taken} free seats in no live booking`,
  );
}

/** seatRefusalsCheck: every 409 seats_unavailable names seats that were asked for and that a 201 holds. */
function seatRefusalsCheck(state: TravelState): Check {
  const attempts = state.seatRush.attempts;
  const wonSeats = new Set(
    attempts.filter((a) => a.result.status === 201).flatMap((a) => a.result.body.seats ?? []),
  );
  const refused = attempts.filter((a) => a.result.body?.code === 'seats_unavailable');
  const problems = refused.flatMap((a) => {
    const named = a.result.body.seats ?? [];
    const bad = named.filter((n) => !a.seats.includes(n) || !wonSeats.has(n));
    if (named.length === 0) return [`a 409 for seats ${a.seats} names no seat`];
    return bad.length
      ? [`a 409 for seats ${a.seats} names ${bad}, not asked for or held by no 201`]
      : [];
  });
  const namedCount = refused.reduce((sum, a) => sum + (a.result.body.seats?.length ?? 0), 0);
  return check(
    'every 409 names only seats a 201 holds',
    problems,
    `${refused.length} refusals named ${namedCount} seats, all among the ${wonSeats.size} seats of the 201s`,
  );
}

/** nightsCheck: per night, held + booked ≤ units and = the API's taken rooms and = the 201 stays covering it. */
function nightsCheck(state: TravelState, rows: readonly TableRow[]): Check {
  const roomNights = rows.reduce((sum, r) => sum + Number(r.row['201 stays']), 0);
  return check(
    'no room-night held beyond its units',
    rows.flatMap((r) => r.problems),
    `${rows.length} nights: held + booked ≤ ${state.hotel.unitsPerNight} units and = API taken = 201 stays covering it (${roomNights} room-nights)`,
  );
}

/** nightRefusalsCheck: every 409 rooms_unavailable names nights of its stay that ≥ units 201 stays cover. */
function nightRefusalsCheck(state: TravelState): Check {
  const { stayRush, stayWins, hotel } = state;
  const refused = stayRush.attempts.filter((a) => a.result.body?.code === 'rooms_unavailable');
  const problems = refused.flatMap((a) => {
    const named = refusedNights(a.result);
    if (named.length === 0) return [`a 409 for ${a.checkIn}→${a.checkOut} names no night`];
    return named
      .filter((night) => {
        const holders = stayWins.filter((w) => covers(w.booking, night)).length;
        return !(a.checkIn <= night && night < a.checkOut) || holders < hotel.unitsPerNight;
      })
      .map((night) => `a 409 for ${a.checkIn}→${a.checkOut} names ${night}, not full`);
  });
  const namedCount = refused.reduce((sum, a) => sum + refusedNights(a.result).length, 0);
  return check(
    'every 409 names only full nights',
    problems,
    `${refused.length} refusals named ${namedCount} nights, each within the stay and covered by ${hotel.unitsPerNight} 201 stays`,
  );
}

/** confirmsCheck: every confirm answered 200 confirmed and every cancel 200 cancelled. */
function confirmsCheck(state: TravelState): Check {
  const wins = [...state.seatWins, ...state.stayWins];
  const confirms = wins.flatMap((w) => w.confirms);
  const cancels = wins.flatMap((w) => (w.cancel ? [w.cancel] : []));
  const problems = [
    ...confirms.filter((r) => r.status !== 200 || r.body.status !== 'confirmed'),
    ...cancels.filter((r) => r.status !== 200 || r.body.status !== 'cancelled'),
  ].map((r) => `${r.status} ${JSON.stringify(r.body)}`);
  return check(
    'confirm answers 200 confirmed, cancel 200 cancelled',
    problems,
    `${confirms.length} confirm calls, ${cancels.length} cancels`,
  );
}

/** duplicateConfirmCheck: two simultaneous confirms of one booking both answer the same confirmed booking. */
function duplicateConfirmCheck(state: TravelState): Check {
  const pairs = state.seatWins.filter((w) => w.plan === 'confirmTwice');
  const problems = pairs.flatMap((w) => {
    const [a, b] = w.confirms;
    const same =
      w.confirms.length === 2 &&
      a?.status === 200 &&
      b?.status === 200 &&
      a.body.status === 'confirmed' &&
      a.body.paymentTransferId !== null &&
      a.body.paymentTransferId === b.body.paymentTransferId &&
      a.body.confirmedAt === b.body.confirmedAt;
    return same
      ? []
      : [
          `${w.booking.id}: ${w.confirms.map((r) => `${r.status} ${JSON.stringify(r.body)}`).join(' vs ')}`,
        ];
  });
  if (pairs.length === 0) problems.push('no booking was confirmed twice at once');
  return check(
    'a concurrent duplicate confirm gives the same answer',
    problems,
    `${pairs.length} pairs: both 200 confirmed, same payment transfer and confirmedAt`,
  );
}

/** cancelledSeatsCheck: each booking cancelled after confirming reads cancelled, was refunded, and its seats are free. */
function cancelledSeatsCheck(state: TravelState, snapshot: Snapshot): Check {
  const cancelled = state.seatWins.filter((w) => w.plan === 'confirmThenCancel');
  const free = new Set(snapshot.seats.filter((s) => s.status === 'free').map((s) => s.seatNo));
  const problems = cancelled.flatMap((w) => {
    const b = snapshot.bookings.get(w.booking.id)!;
    const taken = (b.seats ?? []).filter((n) => !free.has(n));
    return [
      ...(b.status === 'cancelled' ? [] : [`${b.id} is ${b.status}`]),
      ...(b.refundTransferId ? [] : [`${b.id} has no refund`]),
      ...(taken.length ? [`${b.id}: seats ${taken} not free`] : []),
    ];
  });
  if (cancelled.length === 0) problems.push('no booking was cancelled');
  const seats = cancelled.flatMap((w) => w.booking.seats ?? []);
  return check(
    "cancelled bookings' seats are free again",
    problems,
    `${cancelled.length} confirmed then cancelled, refunded; seats ${seats.join(', ')} free`,
  );
}

/** snapshotChecks runs every check that reads the snapshot, the night table or the answers. */
export function snapshotChecks(
  state: TravelState,
  snapshot: Snapshot,
  rows: readonly TableRow[],
): Check[] {
  return [
    seatsOnceCheck(state, snapshot),
    seatRefusalsCheck(state),
    nightsCheck(state, rows),
    nightRefusalsCheck(state),
    answersCheck(state),
    confirmsCheck(state),
    duplicateConfirmCheck(state),
    cancelledSeatsCheck(state, snapshot),
  ];
}

/**
 * walletCheck reads every traveller's wallet (./wallets.ts walletProblems) and checks balance =
 * deposit − amounts of its bookings with a payment + amounts refunded, with nothing left on
 * hold (available = balance); all amounts in minor units.
 */
export async function walletCheck(
  state: TravelState,
  bookings: ReadonlyMap<string, BookingView>,
): Promise<Check> {
  const paidMinor = new Map<string, number>();
  const refundedMinor = new Map<string, number>();
  const add = (m: Map<string, number>, key: string, amountMinor: number) =>
    m.set(key, (m.get(key) ?? 0) + amountMinor);
  for (const w of [...state.seatWins, ...state.stayWins]) {
    const b = bookings.get(w.booking.id)!;
    if (b.paymentTransferId) add(paidMinor, w.traveller.sub, b.amountMinor);
    if (b.refundTransferId) add(refundedMinor, w.traveller.sub, b.amountMinor);
  }
  const { client, staff, travellers } = state;
  const expected = travellers.map((t) => ({
    walletId: t.walletId,
    expectedMinor: t.depositMinor - (paidMinor.get(t.sub) ?? 0) + (refundedMinor.get(t.sub) ?? 0),
  }));
  const wallets = await walletProblems(client, staff, expected);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
  const depositedMinor = travellers.reduce((s, t) => s + t.depositMinor, 0);
  return check(
    'each confirmed booking debited its wallet exactly once',
    wallets.problems,
    `${travellers.length} wallets: ${euros(depositedMinor)} deposited − ${euros(sum(paidMinor))} paid + ${euros(sum(refundedMinor))} refunded = ${euros(wallets.sumMinor)} balances`,
  );
}
