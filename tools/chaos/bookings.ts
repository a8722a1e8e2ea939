import { randomUUID } from 'node:crypto';
import { resourceIdFor } from '../../domain/ids';
import type { Outcome } from './model';
import type { Customer } from './seed';
import { checkAnswer, pickFate, runClients, think, type WorkloadContext } from './workload';

/**
 * The bookings workload: each client is one traveller holding one or two random seats on one
 * of the buses, then confirming (paying), cancelling (refunded when paid) or leaving the hold
 * to its timer. Seats run out as the run goes on, so 409 seats_unavailable (no trace) is common.
 */

/**
 * PLACED_STATUSES may answer an acknowledged booking: reserved, or already expired when the
 * answer reached the client only after its hold TTL (a retry gets the stored booking).
 */
const PLACED_STATUSES = ['reserved', 'expired'];

/** BookingStory is one seat booking a traveller asked for and what happened to it. */
export interface BookingStory {
  bookingId: string;
  traveller: Customer;
  scheduleId: string;
  seats: number[];
  place: Outcome;
  confirm?: Outcome;
  cancel?: Outcome;
}

/** BookingsLog is everything the bookings workload did. */
export interface BookingsLog {
  stories: BookingStory[];
}

/** runBookings runs `clientsN` travellers (one customer each) until the load ends. */
export async function runBookings(ctx: WorkloadContext, clientsN: number): Promise<BookingsLog> {
  const log: BookingsLog = { stories: [] };
  await runClients(ctx, clientsN, async (clientIndex) => {
    const traveller = ctx.world.travel.travellers[clientIndex]!;
    const story = await place(ctx, traveller);
    log.stories.push(story);
    if (story.place.kind === 'acked') await settle(ctx, story);
  });
  return log;
}

async function place(ctx: WorkloadContext, traveller: Customer): Promise<BookingStory> {
  const scheduleId = ctx.random.pick(ctx.world.travel.scheduleIds);
  const { seatsPerBus } = ctx.world.travel;
  const first = ctx.random.int(1, seatsPerBus);
  const seats = ctx.random.chance(0.3) && first < seatsPerBus ? [first, first + 1] : [first];
  const key = randomUUID();
  const bookingId = resourceIdFor({
    sub: traveller.actor.sub,
    idempotencyKey: key,
    scope: 'booking',
  });
  const outcome = await ctx.client.send('bookings', {
    method: 'POST',
    path: '/v1/bookings',
    token: traveller.actor.token,
    key,
    body: { scheduleId, seats },
  });
  checkAnswer(ctx, `booking ${bookingId}`, outcome, {
    acked: (booking) => booking?.id === bookingId && PLACED_STATUSES.includes(booking?.status),
    refusedCodes: ['seats_unavailable'],
  });
  return { bookingId, traveller, scheduleId, seats, place: outcome };
}

/** settle confirms, cancels, confirms then cancels, or leaves the hold to its timer. */
async function settle(ctx: WorkloadContext, story: BookingStory): Promise<void> {
  const fate = pickFate(ctx);
  if (fate === 'leave') return;
  await think(ctx, 1_500);
  if (!ctx.running()) return;
  if (fate !== 'cancel') {
    story.confirm = await action(ctx, story, 'confirm', { accountId: story.traveller.accountId });
    checkAnswer(ctx, `confirm booking ${story.bookingId}`, story.confirm, {
      acked: (booking) => booking?.status === 'confirmed',
      refusedCodes: ['booking_expired', 'insufficient_funds'],
    });
    if (fate === 'settle') return;
    await think(ctx, 1_000);
    if (!ctx.running()) return;
  }
  story.cancel = await action(ctx, story, 'cancel', undefined);
  checkAnswer(ctx, `cancel booking ${story.bookingId}`, story.cancel, {
    acked: (booking) => booking?.status === 'cancelled',
    refusedCodes: ['invalid_transition', 'booking_expired'],
  });
}

function action(
  ctx: WorkloadContext,
  story: BookingStory,
  verb: 'confirm' | 'cancel',
  body: unknown,
): Promise<Outcome> {
  return ctx.client.send('bookings', {
    method: 'POST',
    path: `/v1/bookings/${story.bookingId}/${verb}`,
    token: story.traveller.actor.token,
    key: randomUUID(),
    body,
  });
}
