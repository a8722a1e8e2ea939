import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * WRITE_LIMITS_SQL keeps SPEC.md §10 "Holding limits" in PostgreSQL so all API replicas share one
 * count: `write_limits` holds each limited caller's (`customer:<sub>`, `operator:<sub>`) current
 * one-minute window, with a `window_start` index so writes can purge ended windows
 * (db/write-limits.ts); and a partial index on `reserved` bookings, so the holding limit never
 * reads a customer's finished ones.
 */
const WRITE_LIMITS_SQL = `
    CREATE TABLE write_limits (
      subject text PRIMARY KEY CHECK (length(subject) BETWEEN 1 AND 200),
      window_start timestamptz NOT NULL,
      writes integer NOT NULL CHECK (writes > 0)
    );
    CREATE INDEX write_limits_window_idx ON write_limits (window_start);
    CREATE INDEX bookings_customer_reserved_idx ON bookings (customer_id, expires_at)
      WHERE status = 'reserved';
`;

/**
 * 0006_write_limits adds the per-caller write windows of WRITES_PER_MINUTE and the index of
 * BOOKING_HELD_UNITS_MAX's count (SPEC.md §10).
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(WRITE_LIMITS_SQL);
};

/** down drops what up created. */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    DROP INDEX IF EXISTS bookings_customer_reserved_idx;
    DROP TABLE IF EXISTS write_limits;
  `);
};
