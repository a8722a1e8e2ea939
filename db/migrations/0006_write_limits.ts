import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * WRITE_LIMITS_SQL is the state of SPEC.md §10 "Holding limits" kept in PostgreSQL, so every
 * API replica sees one count: `write_limits`, one row per limited caller (`customer:<sub>`,
 * `operator:<sub>`) holding its current one-minute window (when it started, writes in it),
 * reset in place when a write arrives after the window; the index on `window_start` lets
 * each write delete a few windows that ended (db/write-limits.ts). And the partial index
 * the holding limit counts a customer's unconfirmed bookings by, so the count reads only
 * their `reserved` rows, not years of finished ones.
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
