import { randomUUID } from 'node:crypto';
import type { BookingView } from '../../domain/bookings';
import { shuffle } from '../shared/async';
import { authHeaders } from '../../tools/resources';
import { withBar } from '../shared/progress';
import type { DemoClient } from './client';
import { formatCounts } from './report';
import { SETUP_CONCURRENCY } from './settings';
import type {
  BookingResult,
  Plan,
  SeatAttempt,
  StayAttempt,
  TravelProblem,
  Won,
} from './travel-model';

/**
 * The travel scene after each rush: won seat bookings are confirmed (a few twice at once),
 * one or two are cancelled after confirming (refund), the rest stay reserved; won stays are
 * all confirmed.
 */

/**
 * planSeats gives each won seat booking its plan: the first 3 confirm twice at once, the next
 * 2 confirm then cancel, every 7th of the rest stays reserved, the others confirm.
 */
function planSeats(attempts: readonly SeatAttempt[]): Won[] {
  const won = shuffle(attempts.filter((a) => a.result.status === 201));
  return won.map(({ traveller, result }, i): Won => {
    const plan: Plan =
      i < 3
        ? 'confirmTwice'
        : i < 5
          ? 'confirmThenCancel'
          : i % 7 === 5
            ? 'leaveReserved'
            : 'confirm';
    return { booking: result.body, traveller, plan, confirms: [] };
  });
}

/** confirmOnce sends POST /v1/bookings/:id/confirm from the owner's wallet with `key`. */
async function confirmOnce(client: DemoClient, won: Won, key: string): Promise<BookingResult> {
  const result = await client.send<BookingView & TravelProblem>(() =>
    client.api.POST('/v1/bookings/{id}/confirm', {
      params: { path: { id: won.booking.id } },
      body: { accountId: won.traveller.walletId },
      headers: authHeaders(won.traveller.token, key),
    }),
  );
  won.confirms.push(result);
  if (result.status === 200 && result.body.status === 'confirmed') won.booking = result.body;
  return result;
}

/**
 * confirmTwiceAtOnce sends two simultaneous confirms of one booking: the first pair with one
 * Idempotency-Key (a double click), the others with two keys (two tabs); prints both answers.
 */
async function confirmTwiceAtOnce(client: DemoClient, won: Won, pairIndex: number): Promise<void> {
  const sameKey = pairIndex % 2 === 0;
  const firstKey = randomUUID();
  const keys = [firstKey, sameKey ? firstKey : randomUUID()];
  const results = await Promise.all(keys.map((key) => confirmOnce(client, won, key)));
  const transfers = new Set(results.map((r) => r.body?.paymentTransferId));
  const shown = results.map(
    (r) => `${r.status} ${r.body?.status ?? r.body?.code}${r.replayed ? ' (replayed)' : ''}`,
  );
  console.log(
    `  2 concurrent confirms of booking ${won.booking.id.slice(0, 8)}… (seats ${won.booking.seats?.join('+')}, ` +
      `${sameKey ? 'one key' : 'two keys'}): ${shown.join(', ')} → ${transfers.size === 1 ? 'one payment' : 'MISMATCH'}`,
  );
}

/** cancelBooking sends POST /v1/bookings/:id/cancel as its owner and records the answer. */
async function cancelBooking(client: DemoClient, won: Won): Promise<void> {
  const headers = authHeaders(won.traveller.token, randomUUID());
  won.cancel = await client.send<BookingView & TravelProblem>(() =>
    client.api.POST('/v1/bookings/{id}/cancel', {
      params: { path: { id: won.booking.id } },
      headers,
    }),
  );
  if (won.cancel.status === 200) won.booking = won.cancel.body;
}

/** countAnswers renders answers as `200 confirmed ×3, 409 booking_expired ×1`. */
function countAnswers(results: readonly BookingResult[]): string {
  const keyOf = (r: BookingResult) => `${r.status} ${r.body?.status ?? r.body?.code ?? ''}`.trim();
  return formatCounts(results, keyOf) || 'none';
}

/**
 * settleSeats plans the won seat bookings, confirms them (some twice at once), cancels the
 * confirm-then-cancel ones (refund) and leaves the rest reserved; returns them all.
 */
export async function settleSeats(
  client: DemoClient,
  attempts: readonly SeatAttempt[],
): Promise<Won[]> {
  const wins = planSeats(attempts);
  await Promise.all(
    wins.filter((w) => w.plan === 'confirmTwice').map((w, i) => confirmTwiceAtOnce(client, w, i)),
  );
  const single = wins.filter((w) => w.plan === 'confirm' || w.plan === 'confirmThenCancel');
  await withBar('confirming seats', single, SETUP_CONCURRENCY, (w) =>
    confirmOnce(client, w, randomUUID()),
  );
  console.log(`confirm answers: ${countAnswers(wins.flatMap((w) => w.confirms))}`);
  const toCancel = wins.filter(
    (w) => w.plan === 'confirmThenCancel' && w.booking.status === 'confirmed',
  );
  await Promise.all(toCancel.map((w) => cancelBooking(client, w)));
  for (const w of toCancel)
    console.log(
      `  cancelled booking ${w.booking.id.slice(0, 8)}… (seats ${w.booking.seats?.join('+')}): ${w.cancel?.status} ${w.cancel?.body?.status ?? w.cancel?.body?.code}, refund ${w.booking.refundTransferId ? 'issued' : 'MISSING'}`,
    );
  const left = wins.filter((w) => w.plan === 'leaveReserved').length;
  console.log(
    `${wins.length} seat bookings won: ${wins.length - left} confirmed (${toCancel.length} then cancelled), ${left} left reserved`,
  );
  return wins;
}

/** confirmStays confirms every won stay from its guest's wallet; returns them all. */
export async function confirmStays(
  client: DemoClient,
  attempts: readonly StayAttempt[],
): Promise<Won[]> {
  const wins = attempts
    .filter((a) => a.result.status === 201)
    .map((a): Won => ({
      booking: a.result.body,
      traveller: a.traveller,
      plan: 'confirm',
      confirms: [],
    }));
  await withBar('confirming stays', wins, SETUP_CONCURRENCY, (w) =>
    confirmOnce(client, w, randomUUID()),
  );
  console.log(
    `${wins.length} stays won; confirm answers: ${countAnswers(wins.flatMap((w) => w.confirms))}`,
  );
  return wins;
}
