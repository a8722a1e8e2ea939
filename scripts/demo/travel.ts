import { shuffle } from '../shared/async';
import type { Scene, SceneContext } from './scene';
import { reportTravel, type TravelState } from './travel-report';
import { confirmStays, settleSeats } from './travel-settle';
import {
  BUS_SEAT_COUNT,
  GUEST_COUNT,
  runSeatRush,
  runStayRush,
  setupBus,
  setupHotel,
  setupTravellers,
  TRAVELLER_COUNT,
} from './travel-setup';

/**
 * The travel scene (`npm run demo -- --scene travel`, SPEC.md §6): staff create a bus
 * operator with a 40-seat bus departing tomorrow; 200 funded travellers click seats at once;
 * most winners confirm (a few twice at once), one or two cancel, the rest stay reserved. Then
 * 40 of them ask for overlapping stays in a hotel with 3 rooms a night, and the winners
 * confirm. Its report (./travel-report.ts) checks that no seat or room-night was sold twice
 * and every wallet was debited once.
 */

/** playTravel runs the travel scene's five steps; returns what its report reads. */
async function playTravel(ctx: SceneContext): Promise<TravelState> {
  const { client, staff } = ctx;
  const bus = await ctx.step('Bus', () => setupBus(client, staff));
  const travellers = await ctx.step('Travellers and wallets', () => setupTravellers(client, staff));
  const seatRush = await ctx.step('Seat rush', () => runSeatRush(client, bus, travellers));
  const seatWins = await ctx.step('Confirm and cancel seats', () =>
    settleSeats(client, seatRush.attempts),
  );
  return ctx.step('Hotel stays', async () => {
    const hotel = await setupHotel(client, staff);
    const guests = shuffle(travellers).slice(0, GUEST_COUNT);
    const stayRush = await runStayRush(client, hotel, guests);
    const stayWins = await confirmStays(client, stayRush.attempts);
    return { client, staff, bus, hotel, travellers, seatRush, seatWins, stayRush, stayWins };
  });
}

/** travelScene is the bus-seat and hotel-night rush as a Scene: five numbered steps, the seat map, night and webhook tables, eleven checks. */
export const travelScene: Scene<TravelState> = {
  title: 'holdfast travel demo',
  cast: `${TRAVELLER_COUNT} travellers, ${BUS_SEAT_COUNT} seats`,
  stepPrefix: 'T',
  checksTitle: 'Travel checks',
  verdict: 'no seat or room-night sold twice, every confirm debited once',
  play: playTravel,
  report: reportTravel,
  placed: (state) => ({
    type: 'booking.reserved',
    noun: 'placed bookings',
    ids: [...state.seatRush.attempts, ...state.stayRush.attempts]
      .filter((a) => a.result.status === 201)
      .map((a) => a.result.body.id),
  }),
};
