import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/** FOUNDATION_SQL is the schema 0001_foundation creates, as one DDL script. */
const FOUNDATION_SQL = `
    CREATE TABLE sellers (
      id uuid PRIMARY KEY,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      kind text NOT NULL CHECK (kind IN ('merchant', 'bus_operator', 'property_owner')),
      approval_status text NOT NULL DEFAULT 'pending'
        CHECK (approval_status IN ('pending', 'approved', 'suspended')),
      approved_at timestamptz,
      suspended_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE products (
      id uuid PRIMARY KEY,
      seller_id uuid NOT NULL REFERENCES sellers(id),
      sku text NOT NULL CHECK (length(sku) BETWEEN 1 AND 100),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      category text,
      price_minor bigint NOT NULL CHECK (price_minor >= 0),
      currency char(3) NOT NULL,
      stock_on_hand integer NOT NULL CHECK (stock_on_hand >= 0),
      reserved integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT products_available_nonnegative CHECK (stock_on_hand - reserved >= 0),
      CONSTRAINT products_seller_sku_unique UNIQUE (seller_id, sku)
    );
    CREATE INDEX products_seller_idx ON products (seller_id);
    CREATE INDEX products_category_idx ON products (category);

    CREATE TABLE orders (
      id uuid PRIMARY KEY,
      customer_id uuid NOT NULL,
      status text NOT NULL
        CHECK (status IN ('pending_payment', 'paid', 'fulfilled', 'cancelled', 'expired')),
      payment_method text NOT NULL CHECK (payment_method IN ('wallet', 'allowance')),
      total_minor bigint NOT NULL CHECK (total_minor >= 0),
      currency char(3) NOT NULL,
      workflow_id text NOT NULL UNIQUE,
      payment_account_id uuid,
      payment_transfer_id text,
      refund_transfer_id text,
      reserved_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      paid_at timestamptz,
      fulfilled_at timestamptz,
      cancelled_at timestamptz,
      expired_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT orders_paid_stamped CHECK (status <> 'paid' OR paid_at IS NOT NULL),
      CONSTRAINT orders_fulfilled_stamped CHECK (status <> 'fulfilled' OR fulfilled_at IS NOT NULL),
      CONSTRAINT orders_cancelled_stamped CHECK (status <> 'cancelled' OR cancelled_at IS NOT NULL),
      CONSTRAINT orders_expired_stamped CHECK (status <> 'expired' OR expired_at IS NOT NULL)
    );
    CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at DESC, id DESC);

    CREATE TABLE order_lines (
      order_id uuid NOT NULL REFERENCES orders(id),
      product_id uuid NOT NULL REFERENCES products(id),
      quantity integer NOT NULL CHECK (quantity > 0),
      price_minor bigint NOT NULL CHECK (price_minor >= 0),
      PRIMARY KEY (order_id, product_id)
    );
    CREATE INDEX order_lines_product_idx ON order_lines (product_id);

    CREATE TABLE stock_movements (
      id bigserial PRIMARY KEY,
      product_id uuid NOT NULL REFERENCES products(id),
      order_id uuid REFERENCES orders(id),
      reason text NOT NULL CHECK (reason IN ('initial', 'restock', 'reserve', 'release', 'fulfil')),
      on_hand_delta integer NOT NULL,
      reserved_delta integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT stock_movements_nonzero CHECK (on_hand_delta <> 0 OR reserved_delta <> 0)
    );
    CREATE INDEX stock_movements_product_idx ON stock_movements (product_id, id);
    CREATE UNIQUE INDEX stock_movements_order_once
      ON stock_movements (order_id, product_id, reason) WHERE order_id IS NOT NULL;

    CREATE TABLE cart_items (
      customer_id uuid NOT NULL,
      product_id uuid NOT NULL REFERENCES products(id),
      quantity integer NOT NULL CHECK (quantity > 0 AND quantity <= 10000),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (customer_id, product_id)
    );

    CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      owner_id uuid,
      kind text NOT NULL CHECK (kind IN ('wallet', 'retainer', 'bank', 'revenue', 'external')),
      currency char(3) NOT NULL,
      allow_negative boolean NOT NULL DEFAULT false,
      balance_minor bigint NOT NULL DEFAULT 0,
      pending_debits_minor bigint NOT NULL DEFAULT 0 CHECK (pending_debits_minor >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT accounts_no_negative CHECK (allow_negative OR balance_minor >= 0),
      CONSTRAINT accounts_no_negative_available
        CHECK (allow_negative OR balance_minor - pending_debits_minor >= 0)
    );
    CREATE INDEX accounts_owner_idx ON accounts (owner_id);
    CREATE UNIQUE INDEX accounts_system_unique ON accounts (kind, currency) WHERE owner_id IS NULL;

    CREATE TABLE ledger_transfers (
      id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 300),
      kind text NOT NULL,
      debit_account_id uuid NOT NULL REFERENCES accounts(id),
      credit_account_id uuid NOT NULL REFERENCES accounts(id),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'posted', 'voided')),
      description text,
      initiated_by uuid,
      timeout_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      posted_at timestamptz,
      voided_at timestamptz,
      CONSTRAINT ledger_transfers_distinct_accounts CHECK (debit_account_id <> credit_account_id),
      CONSTRAINT ledger_transfers_posted_stamped CHECK (status <> 'posted' OR posted_at IS NOT NULL)
    );
    CREATE INDEX ledger_transfers_debit_idx ON ledger_transfers (debit_account_id);
    CREATE INDEX ledger_transfers_credit_idx ON ledger_transfers (credit_account_id);

    CREATE TABLE ledger_entries (
      id bigserial PRIMARY KEY,
      transfer_id text NOT NULL REFERENCES ledger_transfers(id),
      account_id uuid NOT NULL REFERENCES accounts(id),
      amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
      balance_after_minor bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT ledger_entries_once UNIQUE (transfer_id, account_id)
    );
    CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, id DESC);

    CREATE TABLE idempotency_keys (
      subject uuid NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      status_code integer,
      response_body text,
      response_content_type text,
      locked_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (subject, key)
    );
    CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
`;

/**
 * 0001_foundation creates the catalog, carts, orders, ledger and idempotency tables. Every
 * invariant of SPEC.md §2–§5 that a row can hold is a constraint here, the last line of
 * defence behind the code (ARCHITECTURE.md "Rules"): stock CHECKs, positive amounts,
 * non-negative wallets, unique transfer IDs, foreign keys everywhere.
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(FOUNDATION_SQL);
};

/** down drops what up created, in reverse dependency order. */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    DROP TABLE IF EXISTS idempotency_keys, ledger_entries, ledger_transfers, accounts, cart_items,
      stock_movements, order_lines, orders, products, sellers CASCADE;
  `);
};
