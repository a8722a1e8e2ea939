import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * ORDER_GATE_SQL is the schema of SPEC.md §8: allowance programmes (with their category
 * sub-limits, pauses, participants and vouchers), the allowance postings that paying and
 * cancelling allowance orders write, the append-only failed-attempt audit `order_failures`,
 * and the clock time at which a placement transaction finished (with `reserved_at`, its start,
 * it shows that one customer's placements never overlap).
 */
const ORDER_GATE_SQL = `
    ALTER TABLE orders ADD COLUMN placement_finished_at timestamptz;
    -- The audit's analytics count every order of a window as an accepted submission.
    CREATE INDEX orders_created_idx ON orders (created_at);

    CREATE TABLE programs (
      id uuid PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      currency char(3) NOT NULL,
      allowance_minor bigint NOT NULL CHECK (allowance_minor > 0),
      period text NOT NULL CHECK (period IN ('week', 'month')),
      funding_account_id uuid NOT NULL UNIQUE REFERENCES accounts(id),
      created_by uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE program_category_limits (
      program_id uuid NOT NULL REFERENCES programs(id),
      category text NOT NULL CHECK (length(category) BETWEEN 1 AND 100),
      limit_minor bigint NOT NULL CHECK (limit_minor > 0),
      PRIMARY KEY (program_id, category)
    );

    CREATE TABLE program_pauses (
      id uuid PRIMARY KEY,
      program_id uuid NOT NULL REFERENCES programs(id),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      multiplier numeric(7, 3) NOT NULL CHECK (multiplier > 0 AND multiplier <= 100),
      created_by uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT program_pauses_ends_after_start CHECK (ends_at > starts_at)
    );
    CREATE INDEX program_pauses_program_idx ON program_pauses (program_id, starts_at);

    CREATE TABLE program_participants (
      customer_id uuid PRIMARY KEY,
      program_id uuid NOT NULL REFERENCES programs(id),
      joined_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX program_participants_program_idx ON program_participants (program_id);

    CREATE TABLE participant_vouchers (
      id uuid PRIMARY KEY,
      customer_id uuid NOT NULL REFERENCES program_participants(customer_id),
      multiplier numeric(7, 3) NOT NULL CHECK (multiplier > 0 AND multiplier <= 100),
      expires_at timestamptz NOT NULL,
      created_by uuid NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX participant_vouchers_customer_idx ON participant_vouchers (customer_id, expires_at);

    CREATE TABLE allowance_postings (
      id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 300),
      order_id uuid NOT NULL REFERENCES orders(id),
      customer_id uuid NOT NULL REFERENCES program_participants(customer_id),
      program_id uuid NOT NULL REFERENCES programs(id),
      kind text NOT NULL CHECK (kind IN ('debit', 'restore')),
      period_start timestamptz NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      categories jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT allowance_postings_once UNIQUE (order_id, kind)
    );
    CREATE INDEX allowance_postings_customer_period_idx ON allowance_postings (customer_id, period_start);

    CREATE TABLE order_failures (
      id uuid PRIMARY KEY,
      customer_id uuid NOT NULL,
      actor_id uuid NOT NULL,
      order_id uuid,
      code text NOT NULL,
      http_status integer NOT NULL CHECK (http_status BETWEEN 400 AND 499),
      detail text NOT NULL,
      errors jsonb NOT NULL DEFAULT '[]'::jsonb,
      cart jsonb NOT NULL,
      cart_hash text,
      idempotency_key text,
      payment_method text,
      full_balance_minor bigint,
      available_balance_minor bigint,
      category_balances jsonb,
      pause_active boolean NOT NULL DEFAULT false,
      pause_name text,
      pause_multiplier numeric(7, 3),
      voucher_multiplier numeric,
      voucher_count integer NOT NULL DEFAULT 0,
      ip text,
      user_agent text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX order_failures_customer_created_idx ON order_failures (customer_id, created_at DESC);
    CREATE INDEX order_failures_cart_hash_created_idx ON order_failures (cart_hash, created_at DESC);
    CREATE INDEX order_failures_created_idx ON order_failures (created_at);

    -- The audit is append-only: rows are written once and only retention deletes them.
    CREATE FUNCTION order_failures_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'order_failures rows are append-only';
    END $$;
    CREATE TRIGGER order_failures_no_update BEFORE UPDATE ON order_failures
      FOR EACH ROW EXECUTE FUNCTION order_failures_append_only();
`;

/**
 * 0005_order_gate adds what SPEC.md §8 keeps: allowance programmes and their postings (one
 * debit and at most one restore per order, by a unique key), and the append-only audit of
 * refused order submissions with the indexes SPEC.md names: (customer, time desc) and (cart
 * hash, time desc).
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(ORDER_GATE_SQL);
};

/** down drops what up created. */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    DROP TABLE IF EXISTS order_failures, allowance_postings, participant_vouchers,
      program_participants, program_pauses, program_category_limits, programs CASCADE;
    DROP FUNCTION IF EXISTS order_failures_append_only();
    DROP INDEX IF EXISTS orders_created_idx;
    ALTER TABLE orders DROP COLUMN IF EXISTS placement_finished_at;
  `);
};
