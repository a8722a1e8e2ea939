import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/*
 * The webhook registry of SPEC.md §11. `webhook_endpoints`: who wants which event types at
 * which URL, signed with which secret; `seller_id` NULL is a staff endpoint (every event),
 * else an operator's (its seller's events). `webhook_deliveries`: one row per event and
 * endpoint, written and retried by the dispatcher. `events_from` is the outbox's horizon when
 * the endpoint was made: every event from a transaction at or above it is delivered. `event_id` has no foreign key: events are
 * deleted after EVENT_RETENTION_DAYS independently of their deliveries.
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    CREATE TABLE IF NOT EXISTS webhook_endpoints (
      id uuid PRIMARY KEY,
      url text NOT NULL,
      description text,
      types text[] NOT NULL,
      seller_id uuid,
      created_by uuid NOT NULL,
      secret text NOT NULL,
      disabled boolean NOT NULL DEFAULT false,
      disabled_reason text,
      consecutive_failures integer NOT NULL DEFAULT 0,
      events_from xid8 NOT NULL DEFAULT pg_snapshot_xmin(pg_current_snapshot()),
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT webhook_endpoints_types_nonempty CHECK (cardinality(types) > 0)
    );
    CREATE INDEX IF NOT EXISTS webhook_endpoints_created_idx
      ON webhook_endpoints (created_at, id);
    CREATE INDEX IF NOT EXISTS webhook_endpoints_seller_created_idx
      ON webhook_endpoints (seller_id, created_at, id);
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
      id uuid PRIMARY KEY,
      endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
      event_id uuid NOT NULL,
      status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_status_code integer,
      last_error text,
      next_attempt_at timestamptz(3),
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT webhook_deliveries_endpoint_event_unique UNIQUE (endpoint_id, event_id)
    );
    CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint_status_idx
      ON webhook_deliveries (endpoint_id, status, created_at);
    CREATE INDEX IF NOT EXISTS webhook_deliveries_created_idx ON webhook_deliveries (created_at);
    CREATE INDEX IF NOT EXISTS webhook_deliveries_due_idx
      ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query('DROP TABLE IF EXISTS webhook_deliveries, webhook_endpoints');
};
