/**
 * BOOKING_CHECKS are the no-double-booking invariants of SPEC.md §6, in the form of
 * db/ledger-check.ts (each a query returning the rows that break it; empty means it holds).
 * checkLedger runs them in the same snapshot as the ledger's, so `npm run ledger:check` and
 * every test's expectLedgerConsistent cover seats, nights and booking payments too.
 */
export const BOOKING_CHECKS: { name: string; sql: string }[] = [
  {
    name: 'every taken seat is held by a reserved booking or booked by a confirmed one, of its own seats',
    sql: `SELECT s.schedule_id, s.seat_no, s.status, b.id AS booking_id, b.status AS booking_status
          FROM seats s LEFT JOIN bookings b ON b.id = s.booking_id
          WHERE s.status <> 'free' AND (b.id IS NULL OR b.schedule_id <> s.schedule_id
            OR NOT s.seat_no = ANY(b.seat_numbers)
            OR (s.status = 'held') <> (b.status = 'reserved')
            OR (s.status = 'booked') <> (b.status IN ('confirmed', 'completed')))`,
  },
  {
    name: 'every live seat booking takes all its seats; a cancelled or expired one takes none',
    sql: `SELECT b.id, b.status, cardinality(b.seat_numbers) AS seats, count(s.seat_no) AS taken
          FROM bookings b LEFT JOIN seats s ON s.booking_id = b.id
          WHERE b.kind = 'seat' GROUP BY b.id
          HAVING count(s.seat_no) <> CASE WHEN b.status IN ('reserved', 'confirmed', 'completed')
                                          THEN cardinality(b.seat_numbers) ELSE 0 END`,
  },
  {
    name: 'each night holds its reserved stays and books its confirmed ones, never over its units',
    sql: `WITH covering AS (
            SELECT b.room_type_id, d::date AS night,
                   count(*) FILTER (WHERE b.status = 'reserved') AS held,
                   count(*) FILTER (WHERE b.status IN ('confirmed', 'completed')) AS booked
            FROM bookings b, generate_series(b.check_in, b.check_out - 1, interval '1 day') d
            WHERE b.kind = 'stay' GROUP BY 1, 2)
          SELECT coalesce(n.room_type_id, c.room_type_id) AS room_type_id,
                 to_char(coalesce(n.night, c.night), 'YYYY-MM-DD') AS night, n.units,
                 n.held, n.booked, c.held AS held_by_bookings, c.booked AS booked_by_bookings
          FROM room_nights n FULL JOIN covering c ON c.room_type_id = n.room_type_id AND c.night = n.night
          WHERE n.room_type_id IS NULL OR n.held <> coalesce(c.held, 0)
             OR n.booked <> coalesce(c.booked, 0) OR n.held + n.booked > n.units`,
  },
  {
    name: 'each confirmed booking was paid by exactly one transfer, each cancelled one refunded once',
    sql: `SELECT b.id, b.status, b.amount_minor::text AS amount,
                 (SELECT count(*) FROM ledger_transfers t WHERE t.id = 'booking-' || b.id || '-payment'
                    AND t.status = 'posted' AND t.amount_minor = b.amount_minor) AS payments,
                 (SELECT count(*) FROM ledger_transfers t WHERE t.id = 'booking-' || b.id || '-refund'
                    AND t.status = 'posted' AND t.amount_minor = b.amount_minor) AS refunds
          FROM bookings b
          WHERE b.amount_minor > 0 AND (
            (SELECT count(*) FROM ledger_transfers t WHERE t.id = 'booking-' || b.id || '-payment')
              <> CASE WHEN b.confirmed_at IS NOT NULL THEN 1 ELSE 0 END
            OR (SELECT count(*) FROM ledger_transfers t WHERE t.id = 'booking-' || b.id || '-refund')
              <> CASE WHEN b.confirmed_at IS NOT NULL AND b.status = 'cancelled' THEN 1 ELSE 0 END
            OR (b.confirmed_at IS NOT NULL AND b.payment_transfer_id IS DISTINCT FROM 'booking-' || b.id || '-payment'))`,
  },
  {
    name: 'every booking payment or refund belongs to a booking',
    sql: `SELECT t.id, t.kind FROM ledger_transfers t
          WHERE t.kind IN ('booking_payment', 'booking_refund') AND NOT EXISTS (
            SELECT 1 FROM bookings b WHERE t.id IN (b.payment_transfer_id, b.refund_transfer_id))`,
  },
];
