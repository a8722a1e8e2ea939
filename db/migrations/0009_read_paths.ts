import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * LIST_TIME_COLUMNS are the instants a list pages by (its cursor carries them, SPEC.md §1
 * "`{items, nextCursor}`"). They are stored to the millisecond, `timestamptz(3)`, the precision
 * of the JSON the cursor is written in: a cursor then names a row's exact position, so the
 * list can order by the column itself, which its index serves, instead of by
 * `date_trunc('milliseconds', …)`, which no index serves and which sorted the whole table.
 */
export const LIST_TIME_COLUMNS = [
  ['orders', 'created_at'],
  ['bookings', 'created_at'],
  ['payment_requests', 'created_at'],
  ['order_failures', 'created_at'],
  ['bus_schedules', 'departs_at'],
] as const;

/*
 * Existing values are truncated, as the old `date_trunc` ordering saw them, so a cursor issued
 * before this migration still names the same position; new values are rounded by the type.
 */
const MILLISECOND_COLUMNS_SQL = LIST_TIME_COLUMNS.map(
  ([table, column]) =>
    `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE timestamptz(3)
       USING date_trunc('milliseconds', ${column});`,
).join('\n');

/*
 * pg_trgm is a trusted extension (PostgreSQL 13+): a database owner without superuser may
 * create it. The GIN trigram indexes serve `ILIKE '%q%'` on name and SKU (a BitmapOr of both);
 * (name, id) serves the browse order and its keyset cursor, (category, name, id) the same
 * within a category, which makes the (category) index redundant.
 */
const READ_PATHS_SQL = `
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops);
    CREATE INDEX products_sku_trgm_idx ON products USING gin (sku gin_trgm_ops);
    CREATE INDEX products_name_id_idx ON products (name, id);
    CREATE INDEX products_category_name_id_idx ON products (category, name, id);
    DROP INDEX products_category_idx;

    ${MILLISECOND_COLUMNS_SQL}

    -- Newest-first lists end on id: the indexes carry it, so no sort breaks the ties.
    CREATE INDEX orders_created_id_idx ON orders (created_at, id);
    DROP INDEX orders_created_idx;
    CREATE INDEX order_failures_created_id_idx ON order_failures (created_at, id);
    DROP INDEX order_failures_created_idx;
    CREATE INDEX order_failures_customer_created_id_idx
      ON order_failures (customer_id, created_at DESC, id DESC);
    DROP INDEX order_failures_customer_created_idx;
    CREATE INDEX bus_schedules_route_departs_id_idx
      ON bus_schedules (lower(origin), lower(destination), departs_at, id);
    DROP INDEX bus_schedules_route_idx;
`;

/**
 * 0009_read_paths makes every list read use an index in its own order (SPEC.md §1 paging,
 * issue "slow reads cannot starve the pool"): trigram indexes for product search, (name, id)
 * for the catalogue, millisecond list instants with (time, id) indexes for the newest-first
 * lists and the schedule search.
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(READ_PATHS_SQL);
};

/**
 * down restores the previous indexes and microsecond columns. It leaves the pg_trgm extension
 * installed: another schema object may use it by then.
 */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  const widen = LIST_TIME_COLUMNS.map(
    ([table, column]) => `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE timestamptz;`,
  ).join('\n');
  await context.sequelize.query(`
    CREATE INDEX IF NOT EXISTS bus_schedules_route_idx
      ON bus_schedules (lower(origin), lower(destination), departs_at);
    DROP INDEX IF EXISTS bus_schedules_route_departs_id_idx;
    CREATE INDEX IF NOT EXISTS order_failures_customer_created_idx
      ON order_failures (customer_id, created_at DESC);
    DROP INDEX IF EXISTS order_failures_customer_created_id_idx;
    CREATE INDEX IF NOT EXISTS order_failures_created_idx ON order_failures (created_at);
    DROP INDEX IF EXISTS order_failures_created_id_idx;
    CREATE INDEX IF NOT EXISTS orders_created_idx ON orders (created_at);
    DROP INDEX IF EXISTS orders_created_id_idx;
    ${widen}
    CREATE INDEX IF NOT EXISTS products_category_idx ON products (category);
    DROP INDEX IF EXISTS products_category_name_id_idx, products_name_id_idx,
      products_sku_trgm_idx, products_name_trgm_idx;
  `);
};
