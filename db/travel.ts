import type { Transaction } from 'sequelize';
import type { SellerKind } from '../domain/catalog';
import { DomainError } from '../domain/errors';
import {
  assertRoomTypeFits,
  hotelOffer,
  type CreateRoomTypeBody,
  type CreateScheduleBody,
  type HotelRoomTypeView,
  type HotelView,
  type PropertyView,
  type RoomTypeForBooking,
  type RoomTypeView,
  type ScheduleView,
  type SeatView,
} from '../domain/travel';
import { toSafeInt, type Db } from './connection';
import { execute, query, withTransaction } from './transaction';

/*
 * The travel catalogue in SQL (SPEC.md §6): schedules and their seats, properties, room types
 * and their nights, and the searches, which hide what non-approved sellers offer in the query
 * itself. Each create is one short transaction with nothing durable to orchestrate, so the
 * API calls these directly; holding seats and nights is the bookings flow's (db/bookings.ts).
 */

interface ScheduleRow {
  id: string;
  seller_id: string;
  origin: string;
  destination: string;
  departs_at: Date;
  arrives_at: Date;
  seat_count: number;
  seats_available: number;
  price_minor: string;
  currency: string;
  created_at: Date;
}

/** SCHEDULE_COLUMNS selects a schedule `s` with its free seats counted (`seats_available`). */
const SCHEDULE_COLUMNS = `s.id, s.seller_id, s.origin, s.destination, s.departs_at, s.arrives_at,
  s.seat_count, s.price_minor, s.currency, s.created_at,
  (SELECT count(*) FROM seats t WHERE t.schedule_id = s.id AND t.status = 'free')::int
    AS seats_available`;

function toScheduleView(row: ScheduleRow): ScheduleView {
  return {
    id: row.id,
    sellerId: row.seller_id,
    origin: row.origin,
    destination: row.destination,
    departsAt: row.departs_at.toISOString(),
    arrivesAt: row.arrives_at.toISOString(),
    seatCount: row.seat_count,
    seatsAvailable: row.seats_available,
    priceMinor: toSafeInt(row.price_minor),
    currency: row.currency,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * assertSellerKind checks, inside `transaction`, that the seller exists and offers `kind`.
 * @throws DomainError `not_found` (404) for an unknown seller, `validation_failed` (422, path
 *   `sellerId`) for a seller of another kind.
 */
async function assertSellerKind(
  db: Db,
  transaction: Transaction,
  input: { sellerId: string; kind: SellerKind },
): Promise<void> {
  const [seller] = await query<{ kind: SellerKind }>(
    db,
    'SELECT kind FROM sellers WHERE id = $1',
    [input.sellerId],
    transaction,
  );
  if (!seller) throw new DomainError('not_found', `Seller ${input.sellerId} does not exist`);
  if (seller.kind === input.kind) return;
  throw new DomainError('validation_failed', `Only a ${input.kind} can offer this`, {
    errors: [{ path: 'sellerId', message: `the seller is a ${seller.kind}, not a ${input.kind}` }],
  });
}

/** CreateScheduleInput is a validated schedule and the ID its request names. */
export type CreateScheduleInput = CreateScheduleBody & { id: string };

/**
 * createSchedule inserts a schedule and its seats 1…seatCount (all `free`) in one transaction,
 * or returns the schedule with this ID when it exists (an Idempotency-Key retry). Times are
 * stored to the millisecond.
 * @throws DomainError `not_found` (404) for an unknown seller, `validation_failed` (422) for a
 *   seller that is not a `bus_operator`.
 */
export async function createSchedule(db: Db, input: CreateScheduleInput): Promise<ScheduleView> {
  const { id, sellerId, origin, destination, seatCount, priceMinor, currency } = input;
  const departsAt = new Date(input.departsAt).toISOString();
  const arrivesAt = new Date(input.arrivesAt).toISOString();
  return withTransaction(db, 'create_schedule', async (transaction) => {
    await assertSellerKind(db, transaction, { sellerId, kind: 'bus_operator' });
    await execute(
      db,
      `WITH s AS (
         INSERT INTO bus_schedules (id, seller_id, origin, destination, departs_at, arrives_at,
                                    seat_count, price_minor, currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING
         RETURNING id, seat_count)
       INSERT INTO seats (schedule_id, seat_no)
       SELECT s.id, n FROM s, generate_series(1, s.seat_count) AS n`,
      [id, sellerId, origin, destination, departsAt, arrivesAt, seatCount, priceMinor, currency],
      transaction,
    );
    const schedule = await findVisibleSchedule(db, id, { visibleOnly: false }, transaction);
    if (!schedule) throw new Error(`schedule ${id} missing after insert`);
    return schedule;
  });
}

/**
 * findVisibleSchedule reads one schedule with its free seats counted. With `visibleOnly` the
 * SQL itself hides schedules of sellers that are not approved (SPEC.md §2), so they read as
 * absent (undefined), as findProduct does for products.
 */
export async function findVisibleSchedule(
  db: Db,
  scheduleId: string,
  options: { visibleOnly: boolean },
  transaction?: Transaction,
): Promise<ScheduleView | undefined> {
  const [row] = await query<ScheduleRow>(
    db,
    `SELECT ${SCHEDULE_COLUMNS} FROM bus_schedules s JOIN sellers l ON l.id = s.seller_id
     WHERE s.id = $1 AND ($2::boolean IS FALSE OR l.approval_status = 'approved')`,
    [scheduleId, options.visibleOnly],
    transaction,
  );
  return row ? toScheduleView(row) : undefined;
}

/** SearchSchedulesInput filters visible schedules, one page at a time. */
export interface SearchSchedulesInput {
  /** origin and destination match case-insensitively (equality, not a substring). */
  origin?: string;
  destination?: string;
  /** date is the UTC calendar day of departure, YYYY-MM-DD. */
  date?: string;
  limit: number;
  /** after is the last position of the previous page: departure (ISO, ms) and id. */
  after?: { departsAt: string; id: string };
}

/**
 * searchSchedules lists schedules of approved sellers only (enforced in SQL) matching the
 * filters, ordered by departure then id, which the route index serves: departures are stored
 * to the millisecond (db/migrations/0009_read_paths.ts), as exact as the cursor carries them.
 */
export async function searchSchedules(
  db: Db,
  input: SearchSchedulesInput,
): Promise<ScheduleView[]> {
  const rows = await query<ScheduleRow>(
    db,
    `SELECT ${SCHEDULE_COLUMNS} FROM bus_schedules s JOIN sellers l ON l.id = s.seller_id
     WHERE l.approval_status = 'approved'
       AND ($1::text IS NULL OR lower(s.origin) = lower($1::text))
       AND ($2::text IS NULL OR lower(s.destination) = lower($2::text))
       AND ($3::date IS NULL OR (s.departs_at >= $3::date::timestamp AT TIME ZONE 'UTC'
                                 AND s.departs_at < ($3::date + 1)::timestamp AT TIME ZONE 'UTC'))
       AND ($4::timestamptz IS NULL
            OR (s.departs_at, s.id) > ($4::timestamptz, $5::uuid))
     ORDER BY s.departs_at, s.id LIMIT $6`,
    [
      input.origin ?? null,
      input.destination ?? null,
      input.date ?? null,
      input.after?.departsAt ?? null,
      input.after?.id ?? null,
      input.limit,
    ],
  );
  return rows.map(toScheduleView);
}

/** listSeats reads a schedule's seat map, ascending by seat number (at most SEAT_COUNT_MAX). */
export async function listSeats(db: Db, scheduleId: string): Promise<SeatView[]> {
  return query<SeatView>(
    db,
    'SELECT seat_no AS "seatNo", status FROM seats WHERE schedule_id = $1 ORDER BY seat_no',
    [scheduleId],
  );
}

interface PropertyRow {
  id: string;
  seller_id: string;
  name: string;
  city: string;
  active: boolean;
  created_at: Date;
}

/**
 * createProperty inserts an active property, or returns the one with this ID (a retry).
 * @throws DomainError `not_found` (404) for an unknown seller, `validation_failed` (422) for a
 *   seller that is not a `property_owner`.
 */
export async function createProperty(
  db: Db,
  input: { id: string; sellerId: string; name: string; city: string },
): Promise<PropertyView> {
  return withTransaction(db, 'create_property', async (transaction) => {
    await assertSellerKind(db, transaction, { sellerId: input.sellerId, kind: 'property_owner' });
    await execute(
      db,
      `INSERT INTO properties (id, seller_id, name, city) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING`,
      [input.id, input.sellerId, input.name, input.city],
      transaction,
    );
    const property = await findProperty(db, input.id, transaction);
    if (!property) throw new Error(`property ${input.id} missing after insert`);
    return property;
  });
}

/** findProperty reads one property (active or not), or undefined. */
export async function findProperty(
  db: Db,
  propertyId: string,
  transaction?: Transaction,
): Promise<PropertyView | undefined> {
  const [row] = await query<PropertyRow>(
    db,
    'SELECT id, seller_id, name, city, active, created_at FROM properties WHERE id = $1',
    [propertyId],
    transaction,
  );
  if (!row) return undefined;
  const { id, seller_id: sellerId, name, city, active } = row;
  return { id, sellerId, name, city, active, createdAt: row.created_at.toISOString() };
}

interface RoomTypeRow {
  id: string;
  property_id: string;
  name: string;
  units_per_night: number;
  price_minor: string;
  currency: string;
  created_at: Date;
}

/** CreateRoomTypeInput is a validated room type, its ID, and the nights to open for it. */
export type CreateRoomTypeInput = CreateRoomTypeBody & {
  id: string;
  propertyId: string;
  /** firstNight is the first night opened, YYYY-MM-DD (today, UTC). */
  firstNight: string;
  /** nights is how many nights are opened from firstNight (ROOM_HORIZON_NIGHTS). */
  nights: number;
};

/**
 * createRoomType inserts a room type and its nights firstNight…firstNight + nights − 1 (units =
 * unitsPerNight) in one transaction, or returns the room type with this ID (a retry). The
 * property row is locked first, so concurrent creations keep assertRoomTypeFits' rules.
 * @throws DomainError `not_found` (404) for an unknown property, `validation_failed` (422) from
 *   assertRoomTypeFits.
 */
export async function createRoomType(db: Db, input: CreateRoomTypeInput): Promise<RoomTypeView> {
  const { id, propertyId, name, unitsPerNight, priceMinor, currency } = input;
  return withTransaction(db, 'create_room_type', async (transaction) => {
    const lockSql = 'SELECT id FROM properties WHERE id = $1 FOR UPDATE';
    const locked = await query(db, lockSql, [propertyId], transaction);
    if (locked.length === 0) throw new DomainError('not_found', `No property ${propertyId}`);
    const siblings = await query<RoomTypeRow>(
      db,
      'SELECT * FROM room_types WHERE property_id = $1',
      [propertyId],
      transaction,
    );
    const retried = siblings.find((r) => r.id === id);
    if (retried) return toRoomTypeView(retried);
    assertRoomTypeFits(siblings, currency);
    const [row] = await execute<RoomTypeRow>(
      db,
      `WITH r AS (
         INSERT INTO room_types (id, property_id, name, units_per_night, price_minor, currency)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *),
       n AS (
         INSERT INTO room_nights (room_type_id, night, units)
         SELECT r.id, $7::date + i, r.units_per_night FROM r, generate_series(0, $8::int - 1) AS i)
       SELECT * FROM r`,
      [id, propertyId, name, unitsPerNight, priceMinor, currency, input.firstNight, input.nights],
      transaction,
    );
    return toRoomTypeView(row!);
  });
}

function toRoomTypeView(row: RoomTypeRow): RoomTypeView {
  return {
    id: row.id,
    propertyId: row.property_id,
    name: row.name,
    unitsPerNight: row.units_per_night,
    priceMinor: toSafeInt(row.price_minor),
    currency: row.currency,
    createdAt: row.created_at.toISOString(),
  };
}

/** SearchHotelsInput filters visible hotels, one page at a time. */
export interface SearchHotelsInput {
  /** city matches case-insensitively (equality). */
  city?: string;
  /** stay is the nights [checkIn, checkOut) to price, YYYY-MM-DD, already checked. */
  stay?: { checkIn: string; checkOut: string };
  limit: number;
  after?: { name: string; id: string };
}

/**
 * searchHotels lists active properties of approved owners (enforced in SQL) by name then id, with
 * room types cheapest first and the offer (domain/travel.ts hotelOffer). With a stay, SQL computes
 * unitsAvailable as the fewest `units − held − booked` over the nights, a night without a row
 * counting as unitsPerNight (the bookings flow creates rows past the horizon on demand); without
 * a stay it is null.
 */
export async function searchHotels(db: Db, input: SearchHotelsInput): Promise<HotelView[]> {
  const rows = await query<{
    id: string;
    seller_id: string;
    name: string;
    city: string;
    room_types: HotelRoomTypeView[];
  }>(
    db,
    `SELECT p.id, p.seller_id, p.name, p.city, coalesce((
       SELECT json_agg(json_build_object('id', r.id, 'name', r.name, 'priceMinor', r.price_minor,
           'currency', r.currency, 'unitsPerNight', r.units_per_night, 'unitsAvailable', (
             SELECT min(coalesce(n.units - n.held - n.booked, r.units_per_night))
             FROM generate_series(0, $5::date - $4::date - 1) AS g(i)
             LEFT JOIN room_nights n ON n.room_type_id = r.id AND n.night = $4::date + g.i))
         ORDER BY r.price_minor, r.name, r.id)
       FROM room_types r WHERE r.property_id = p.id), '[]'::json) AS room_types
     FROM properties p JOIN sellers l ON l.id = p.seller_id
     WHERE p.active AND l.approval_status = 'approved' AND l.kind = 'property_owner'
       AND ($1::text IS NULL OR lower(p.city) = lower($1::text))
       AND ($2::text IS NULL OR (p.name, p.id) > ($2::text, $3::uuid))
     ORDER BY p.name, p.id LIMIT $6`,
    [
      input.city ?? null,
      input.after?.name ?? null,
      input.after?.id ?? null,
      input.stay?.checkIn ?? null,
      input.stay?.checkOut ?? null,
      input.limit,
    ],
  );
  return rows.map(({ id, seller_id: sellerId, name, city, room_types: roomTypes }) => {
    return { id, sellerId, name, city, ...hotelOffer(roomTypes), roomTypes };
  });
}

/**
 * findRoomTypeForBooking reads what the bookings flow checks before holding nights: the room
 * type, its property and owner, whether the owner is approved and the property active, and
 * its nightly price (minor units); null when the room type does not exist.
 */
export async function findRoomTypeForBooking(
  db: Db,
  roomTypeId: string,
): Promise<RoomTypeForBooking | null> {
  const [row] = await query<
    RoomTypeRow & { seller_id: string; seller_approved: boolean; property_active: boolean }
  >(
    db,
    `SELECT r.*, p.seller_id, l.approval_status = 'approved' AS seller_approved,
       p.active AS property_active
     FROM room_types r JOIN properties p ON p.id = r.property_id
       JOIN sellers l ON l.id = p.seller_id
     WHERE r.id = $1`,
    [roomTypeId],
  );
  if (!row) return null;
  const { id, propertyId, unitsPerNight, priceMinor, currency } = toRoomTypeView(row);
  return {
    id,
    propertyId,
    sellerId: row.seller_id,
    sellerApproved: row.seller_approved,
    propertyActive: row.property_active,
    unitsPerNight,
    priceMinor,
    currency,
  };
}
