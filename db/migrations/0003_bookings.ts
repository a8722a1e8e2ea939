import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/** BOOKINGS_SQL is the schema 0003_bookings creates, as one DDL script. */
const BOOKINGS_SQL = `
    CREATE TABLE bus_schedules (
      id uuid PRIMARY KEY,
      seller_id uuid NOT NULL REFERENCES sellers(id),
      origin text NOT NULL CHECK (length(origin) BETWEEN 1 AND 100),
      destination text NOT NULL CHECK (length(destination) BETWEEN 1 AND 100),
      departs_at timestamptz NOT NULL,
      arrives_at timestamptz NOT NULL,
      seat_count integer NOT NULL CHECK (seat_count BETWEEN 1 AND 100),
      price_minor bigint NOT NULL CHECK (price_minor >= 0),
      currency char(3) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT bus_schedules_arrives_after_departure CHECK (arrives_at > departs_at)
    );
    CREATE INDEX bus_schedules_route_idx ON bus_schedules (lower(origin), lower(destination), departs_at);
    CREATE INDEX bus_schedules_seller_idx ON bus_schedules (seller_id);

    CREATE TABLE properties (
      id uuid PRIMARY KEY,
      seller_id uuid NOT NULL REFERENCES sellers(id),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      city text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX properties_city_idx ON properties (lower(city));
    CREATE INDEX properties_seller_idx ON properties (seller_id);

    CREATE TABLE room_types (
      id uuid PRIMARY KEY,
      property_id uuid NOT NULL REFERENCES properties(id),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      units_per_night integer NOT NULL CHECK (units_per_night BETWEEN 1 AND 1000),
      price_minor bigint NOT NULL CHECK (price_minor >= 0),
      currency char(3) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX room_types_property_idx ON room_types (property_id);

    CREATE TABLE bookings (
      id uuid PRIMARY KEY,
      customer_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('seat', 'stay')),
      status text NOT NULL
        CHECK (status IN ('reserved', 'confirmed', 'completed', 'cancelled', 'expired')),
      seller_id uuid NOT NULL REFERENCES sellers(id),
      schedule_id uuid REFERENCES bus_schedules(id),
      seat_numbers integer[],
      room_type_id uuid REFERENCES room_types(id),
      check_in date,
      check_out date,
      amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
      currency char(3) NOT NULL,
      workflow_id text NOT NULL UNIQUE,
      payment_account_id uuid REFERENCES accounts(id),
      payment_transfer_id text REFERENCES ledger_transfers(id),
      refund_transfer_id text REFERENCES ledger_transfers(id),
      ends_at timestamptz NOT NULL,
      reserved_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      confirmed_at timestamptz,
      completed_at timestamptz,
      cancelled_at timestamptz,
      expired_at timestamptz,
      deleted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT bookings_seat_shape CHECK ((kind = 'seat') = (schedule_id IS NOT NULL AND
        seat_numbers IS NOT NULL AND cardinality(seat_numbers) BETWEEN 1 AND 10)),
      CONSTRAINT bookings_stay_shape CHECK ((kind = 'stay') = (room_type_id IS NOT NULL AND
        check_in IS NOT NULL AND check_out IS NOT NULL AND check_out > check_in)),
      CONSTRAINT bookings_confirmed_paid CHECK
        (status NOT IN ('confirmed', 'completed') OR
         (confirmed_at IS NOT NULL AND (payment_transfer_id IS NOT NULL OR amount_minor = 0))),
      CONSTRAINT bookings_completed_stamped CHECK (status <> 'completed' OR completed_at IS NOT NULL),
      CONSTRAINT bookings_cancelled_stamped CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL),
      CONSTRAINT bookings_expired_stamped CHECK (status <> 'expired' OR expired_at IS NOT NULL),
      CONSTRAINT bookings_refund_only_when_paid CHECK (refund_transfer_id IS NULL OR payment_transfer_id IS NOT NULL),
      CONSTRAINT bookings_deleted_only_when_done CHECK
        (deleted_at IS NULL OR status IN ('completed', 'cancelled', 'expired'))
    );
    CREATE INDEX bookings_customer_created_idx ON bookings (customer_id, created_at DESC, id DESC)
      WHERE deleted_at IS NULL;
    CREATE INDEX bookings_created_idx ON bookings (created_at DESC, id DESC) WHERE deleted_at IS NULL;
    CREATE INDEX bookings_schedule_idx ON bookings (schedule_id) WHERE schedule_id IS NOT NULL;
    CREATE INDEX bookings_room_type_idx ON bookings (room_type_id) WHERE room_type_id IS NOT NULL;

    -- One row per seat: a seat is free, or held or booked by exactly one booking.
    CREATE TABLE seats (
      schedule_id uuid NOT NULL REFERENCES bus_schedules(id),
      seat_no integer NOT NULL CHECK (seat_no >= 1),
      status text NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'held', 'booked')),
      booking_id uuid REFERENCES bookings(id),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (schedule_id, seat_no),
      CONSTRAINT seats_taken_by_one_booking CHECK ((status = 'free') = (booking_id IS NULL))
    );
    CREATE INDEX seats_booking_idx ON seats (booking_id) WHERE booking_id IS NOT NULL;

    -- One row per room type and night: held + booked never exceed the units of that night.
    CREATE TABLE room_nights (
      room_type_id uuid NOT NULL REFERENCES room_types(id),
      night date NOT NULL,
      units integer NOT NULL CHECK (units >= 0),
      held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
      booked integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (room_type_id, night),
      CONSTRAINT room_nights_capacity CHECK (held + booked <= units)
    );

    -- A seller's revenue account per currency (bookings are paid to the seller).
    CREATE UNIQUE INDEX accounts_owner_revenue_unique ON accounts (owner_id, currency)
      WHERE kind = 'revenue' AND owner_id IS NOT NULL;
`;

/**
 * 0003_bookings adds bus schedules and their seats, properties, room types and their nights,
 * and bookings (SPEC.md §6). The tables hold the no-double-booking invariants themselves: one
 * row per seat taken by at most one booking, `held + booked <= units` per night, a confirmed
 * booking always carries its payment, and only finished bookings may be soft-deleted.
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(BOOKINGS_SQL);
};

/** down drops what up created, in reverse dependency order. */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    DROP INDEX IF EXISTS accounts_owner_revenue_unique;
    DROP TABLE IF EXISTS room_nights, seats, bookings, room_types, properties, bus_schedules CASCADE;
  `);
};
