import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/*
 * The transactional outbox of SPEC.md §11: one `events` row per state change, written by the
 * change's own transaction. `txid` is that transaction's id (xid8): the feed reads in
 * (txid, id) order below the snapshot's xmin, where no transaction can still commit, so a
 * cursor never skips an event that commits after a later one was read (db/events.ts).
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    CREATE TABLE IF NOT EXISTS events (
      id uuid PRIMARY KEY,
      type text NOT NULL,
      subject_type text NOT NULL,
      subject_id text NOT NULL,
      sequence integer NOT NULL,
      customer_id uuid,
      customer_ids uuid[] NOT NULL DEFAULT '{}',
      seller_ids uuid[] NOT NULL DEFAULT '{}',
      data jsonb NOT NULL,
      occurred_at timestamptz(3) NOT NULL DEFAULT now(),
      txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
      CONSTRAINT events_subject_sequence_unique UNIQUE (subject_type, subject_id, sequence)
    );
    CREATE INDEX IF NOT EXISTS events_position_idx ON events (txid, id);
    CREATE INDEX IF NOT EXISTS events_customer_ids_idx ON events USING gin (customer_ids);
    CREATE INDEX IF NOT EXISTS events_seller_ids_idx ON events USING gin (seller_ids);
    CREATE INDEX IF NOT EXISTS events_occurred_idx ON events (occurred_at);
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query('DROP TABLE IF EXISTS events');
};
