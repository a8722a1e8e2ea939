import type { Db } from '../../db/connection';
import { query } from '../../db/transaction';
import type { BookingStory, BookingsLog } from './bookings';
import { byId, checkEndStatus, describeOutcome } from './expect';
import type { Anomalies } from './model';

/** BookingRow is what the checks read of a booking. */
interface BookingRow {
  id: string;
  customer_id: string;
  schedule_id: string;
  seat_numbers: number[];
  status: string;
  confirmed_at: Date | null;
}

/**
 * checkBookings compares the bookings workload's log with the database: an acknowledged
 * booking is there once, for its seats, in a status its acknowledged steps allow; a refused
 * one left no row; an acknowledged confirm was paid, a refused one never. That each seat is
 * taken by one live booking and each confirmed booking paid once is checkLedger's
 * (db/bookings-check.ts).
 */
export async function checkBookings(db: Db, log: BookingsLog, anomalies: Anomalies): Promise<void> {
  const bookings = byId(
    await query<BookingRow>(
      db,
      `SELECT id, customer_id, schedule_id, seat_numbers, status, confirmed_at FROM bookings
       WHERE id = ANY($1::uuid[])`,
      [log.stories.map((story) => story.bookingId)],
    ),
  );
  for (const story of log.stories) {
    const row = bookings.get(story.bookingId);
    const what = `booking ${story.bookingId} (placement ${describeOutcome(story.place)})`;
    if (story.place.kind === 'refused' && row)
      anomalies.add('refused write left a trace', `${what} has a row (${row.status})`);
    if (story.place.kind === 'acked' && !row)
      anomalies.add('acknowledged write lost, doubled or changed', `${what} has no row`);
    if (row) checkBookingRow(story, row, anomalies);
  }
}

function checkBookingRow(story: BookingStory, row: BookingRow, anomalies: Anomalies): void {
  const what = `booking ${story.bookingId}`;
  const seats = [...row.seat_numbers].sort((a, b) => a - b).join(',');
  if (
    row.customer_id !== story.traveller.actor.sub ||
    row.schedule_id !== story.scheduleId ||
    seats !== [...story.seats].sort((a, b) => a - b).join(',')
  )
    anomalies.add(
      'acknowledged write lost, doubled or changed',
      `${what} holds seats ${seats} of ${row.schedule_id}, asked ${story.seats.join(',')} of ${story.scheduleId}`,
    );
  const confirmed = row.confirmed_at !== null;
  if (story.confirm?.kind === 'acked' && !confirmed)
    anomalies.add('acknowledged write lost, doubled or changed', `${what}: confirm acked, unpaid`);
  if (story.confirm?.kind === 'refused' && confirmed)
    anomalies.add('refused write left a trace', `${what}: confirm refused, yet confirmed`);
  if (story.cancel?.kind === 'refused' && row.status === 'cancelled')
    anomalies.add('refused write left a trace', `${what}: cancel refused, yet cancelled`);
  checkEndStatus(
    {
      what,
      status: row.status,
      place: story.place,
      settle: story.confirm,
      cancel: story.cancel,
      settleStep: 'confirm',
      settled: 'confirmed',
      left: 'expired',
    },
    anomalies,
  );
}
