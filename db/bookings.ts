import type { Transaction } from 'sequelize';
import {
  BOOKING_MACHINE,
  type BookingKind,
  type BookingStatus,
  type BookingView,
} from '../domain/bookings';
import { DomainError } from '../domain/errors';
import { newId } from '../domain/ids';
import { toSafeInt, type Db } from './connection';
import { execute, lockRows, query } from './transaction';
import { beforePosition, newestFirst } from './paging';
import type { StatefulTable } from './transition';

/*
 * Booking queries (SPEC.md §6): the reads shared by the API (GET /v1/bookings…) and the booking
 * activities, the booking row lock, soft delete and the seller's revenue account. The seat and
 * night locks and moves are in db/booking-inventory.ts.
 */

/** BookingRow is a `bookings` row as pg returns it. */
interface BookingRow {
  id: string;
  customer_id: string;
  kind: BookingKind;
  status: BookingStatus;
  seller_id: string;
  schedule_id: string | null;
  seat_numbers: number[] | null;
  room_type_id: string | null;
  check_in: string | null;
  check_out: string | null;
  amount_minor: string;
  currency: string;
  workflow_id: string;
  payment_account_id: string | null;
  payment_transfer_id: string | null;
  refund_transfer_id: string | null;
  ends_at: Date;
  reserved_at: Date;
  expires_at: Date;
  confirmed_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
  deleted_at: Date | null;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * BOOKING_COLUMNS selects a booking with its dates as YYYY-MM-DD text (pg would otherwise
 * turn a `date` into a local-time Date).
 */
const BOOKING_COLUMNS = `b.id, b.customer_id, b.kind, b.status, b.seller_id, b.schedule_id,
  b.seat_numbers, b.room_type_id, to_char(b.check_in, 'YYYY-MM-DD') AS check_in,
  to_char(b.check_out, 'YYYY-MM-DD') AS check_out, b.amount_minor, b.currency, b.workflow_id,
  b.payment_account_id, b.payment_transfer_id, b.refund_transfer_id, b.ends_at, b.reserved_at,
  b.expires_at, b.confirmed_at, b.completed_at, b.cancelled_at, b.expired_at, b.deleted_at,
  b.created_at`;

/** toBookingView maps a booking row to the API shape. */
function toBookingView(row: BookingRow): BookingView {
  const nights =
    row.check_in && row.check_out
      ? Math.round((Date.parse(row.check_out) - Date.parse(row.check_in)) / 86_400_000)
      : null;
  return {
    id: row.id,
    customerId: row.customer_id,
    kind: row.kind,
    status: row.status,
    sellerId: row.seller_id,
    scheduleId: row.schedule_id,
    seats: row.seat_numbers,
    roomTypeId: row.room_type_id,
    checkIn: row.check_in,
    checkOut: row.check_out,
    nights,
    amountMinor: toSafeInt(row.amount_minor),
    currency: row.currency.trim(),
    workflowId: row.workflow_id,
    paymentAccountId: row.payment_account_id,
    paymentTransferId: row.payment_transfer_id,
    refundTransferId: row.refund_transfer_id,
    endsAt: row.ends_at.toISOString(),
    reservedAt: row.reserved_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    confirmedAt: iso(row.confirmed_at),
    completedAt: iso(row.completed_at),
    cancelledAt: iso(row.cancelled_at),
    expiredAt: iso(row.expired_at),
    deletedAt: iso(row.deleted_at),
    createdAt: row.created_at.toISOString(),
  };
}

/** findBooking reads one booking (soft-deleted ones too: the ledger keeps them), or undefined. */
export async function findBooking(
  db: Db,
  bookingId: string,
  transaction?: Transaction,
): Promise<BookingView | undefined> {
  const rows = await query<BookingRow>(
    db,
    `SELECT ${BOOKING_COLUMNS} FROM bookings b WHERE b.id = $1`,
    [bookingId],
    transaction,
  );
  return rows[0] ? toBookingView(rows[0]) : undefined;
}

/**
 * lockBooking locks one booking row `FOR UPDATE` (the first lock of every booking transition).
 * @throws DomainError `not_found` (404) when it does not exist.
 */
export async function lockBooking(
  db: Db,
  transaction: Transaction,
  bookingId: string,
): Promise<BookingView> {
  const rows = await lockRows<BookingRow>(
    db,
    transaction,
    'bookings',
    `SELECT ${BOOKING_COLUMNS} FROM bookings b WHERE b.id = $1 FOR UPDATE`,
    [bookingId],
  );
  if (!rows[0]) throw new DomainError('not_found', `Booking ${bookingId} does not exist`);
  return toBookingView(rows[0]);
}

/** ListBookingsInput pages through live bookings newest first, optionally of one customer. */
export interface ListBookingsInput {
  customerId?: string;
  status?: BookingStatus;
  limit: number;
  /** after is the (createdAt, id) of the last booking of the previous page. */
  after?: { createdAt: string; id: string };
}

/** listBookings returns up to `limit` bookings that are not soft-deleted, newest first. */
export async function listBookings(db: Db, input: ListBookingsInput): Promise<BookingView[]> {
  const where = ['b.deleted_at IS NULL'];
  const bind: unknown[] = [];
  if (input.customerId) {
    bind.push(input.customerId);
    where.push(`b.customer_id = $${bind.length}`);
  }
  if (input.status) {
    bind.push(input.status);
    where.push(`b.status = $${bind.length}`);
  }
  if (input.after) beforePosition('b', input.after, where, bind);
  bind.push(input.limit);
  const sql = `SELECT ${BOOKING_COLUMNS} FROM bookings b WHERE ${where.join(' AND ')}
    ${newestFirst('b')} LIMIT $${bind.length}`;
  return (await query<BookingRow>(db, sql, bind)).map(toBookingView);
}

/**
 * softDeleteBooking stamps `deletedAt` on a finished booking (staff, SPEC.md §6); it stays in
 * the ledger and in GET by id, and leaves every list. Deleting it again returns it unchanged.
 * @throws DomainError `not_found` (404); `invalid_transition` (409) while it is reserved or
 *   confirmed (cancel it first: its seats or nights are still taken).
 */
export async function softDeleteBooking(db: Db, bookingId: string): Promise<BookingView> {
  const rows = await execute<{ id: string }>(
    db,
    `UPDATE bookings SET deleted_at = COALESCE(deleted_at, now()), updated_at = now()
     WHERE id = $1 AND status IN ('completed', 'cancelled', 'expired') RETURNING id`,
    [bookingId],
  );
  const booking = await findBooking(db, bookingId);
  if (!booking) throw new DomainError('not_found', `Booking ${bookingId} does not exist`);
  if (rows.length === 0) {
    throw new DomainError('invalid_transition', `A ${booking.status} booking cannot be deleted`, {
      bookingStatus: booking.status,
      requested: 'deleted',
    });
  }
  return booking;
}

/**
 * ensureSellerRevenueAccount returns the seller's revenue account in `currency`, opening it
 * the first time (bookings are paid to the seller, SPEC.md §6); concurrent callers get the one
 * account (unique index accounts_owner_revenue_unique). Inside `transaction` (the payment's),
 * a refused payment leaves no new account behind.
 */
export async function ensureSellerRevenueAccount(
  db: Db,
  input: { sellerId: string; currency: string },
  transaction?: Transaction,
): Promise<string> {
  await execute(
    db,
    `INSERT INTO accounts (id, owner_id, kind, currency) VALUES ($1, $2, 'revenue', $3)
     ON CONFLICT DO NOTHING`,
    [newId(), input.sellerId, input.currency],
    transaction,
  );
  const rows = await query<{ id: string }>(
    db,
    `SELECT id FROM accounts WHERE owner_id = $1 AND kind = 'revenue' AND currency = $2`,
    [input.sellerId, input.currency],
    transaction,
  );
  if (rows.length !== 1) throw new Error(`revenue account of seller ${input.sellerId} missing`);
  return rows[0]!.id;
}

/**
 * lockCustomerHolds serialises one customer's placements: a transaction-scoped advisory lock
 * on `hashtext('holds:' || customerId)`, released at commit or rollback. It is the FIRST lock
 * of a placement (lock order: customer → schedule → seats, or customer → room type → nights),
 * and only placements take it, so it cannot close a cycle with the row locks after it. Two
 * customers whose keys collide merely wait for each other.
 */
export async function lockCustomerHolds(
  db: Db,
  transaction: Transaction,
  customerId: string,
): Promise<void> {
  await lockRows(db, transaction, 'customer_holds', `SELECT pg_advisory_xact_lock(hashtext($1))`, [
    `holds:${customerId}`,
  ]);
}

/** HeldUnits is what a customer's unconfirmed bookings hold now. */
export interface HeldUnits {
  /** units counts seats plus room-nights of `reserved` bookings whose expiresAt is ahead. */
  units: number;
  /** earliestExpirySeconds is the whole seconds until the first of them expires (≥ 1); null when none. */
  earliestExpirySeconds: number | null;
}

/**
 * heldUnitsOf counts what `customerId`'s unconfirmed bookings hold at the database's clock:
 * `reserved` bookings past their stored `expires_at` no longer count, even before their timer
 * has released them (SPEC.md §10: deadlines are facts). Call it under lockCustomerHolds so
 * the count stays true until the placement commits.
 */
export async function heldUnitsOf(
  db: Db,
  transaction: Transaction,
  customerId: string,
): Promise<HeldUnits> {
  const [row] = await query<{ units: string; earliest_in_seconds: string | null }>(
    db,
    `SELECT COALESCE(SUM(CASE WHEN kind = 'seat' THEN cardinality(seat_numbers)
                              ELSE check_out - check_in END), 0) AS units,
            EXTRACT(EPOCH FROM MIN(expires_at) - now()) AS earliest_in_seconds
     FROM bookings
     WHERE customer_id = $1 AND status = 'reserved' AND expires_at > now()`,
    [customerId],
    transaction,
  );
  return {
    units: Number(row!.units),
    earliestExpirySeconds:
      row!.earliest_in_seconds === null
        ? null
        : Math.max(1, Math.ceil(Number(row!.earliest_in_seconds))),
  };
}

/** BookingReference is a reference a booking transition records (payment, refund). */
export type BookingReference = 'paymentAccountId' | 'paymentTransferId' | 'refundTransferId';

/** BOOKINGS is the bookings table for db/transition.ts: its machine (SPEC.md §6) and stamps. */
export const BOOKINGS: StatefulTable<BookingStatus, BookingView, BookingReference> = {
  noun: 'booking',
  table: 'bookings',
  machine: BOOKING_MACHINE,
  lock: lockBooking,
  read: findBooking,
  stampColumns: {
    confirmed: 'confirmed_at',
    completed: 'completed_at',
    cancelled: 'cancelled_at',
    expired: 'expired_at',
  },
  referenceColumns: {
    paymentAccountId: 'payment_account_id',
    paymentTransferId: 'payment_transfer_id',
    refundTransferId: 'refund_transfer_id',
  },
  touchesUpdatedAt: true,
  subject: 'booking',
  audience: async (_db, _transaction, booking) => ({
    customerIds: [booking.customerId],
    sellerIds: [booking.sellerId],
  }),
};
