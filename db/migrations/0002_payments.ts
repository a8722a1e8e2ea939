import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * 0002_payments adds staff payments (SPEC.md §5): a `pending` payment is completed at most
 * once, by the workflow `payment-<id>`, whose ID is also its ledger transfer's ID (unique).
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    CREATE TABLE payments (
      id uuid PRIMARY KEY,
      payer_account_id uuid NOT NULL REFERENCES accounts(id),
      payee_account_id uuid NOT NULL REFERENCES accounts(id),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed')),
      transfer_id text UNIQUE REFERENCES ledger_transfers(id),
      created_by uuid NOT NULL,
      completed_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz,
      CONSTRAINT payments_distinct_accounts CHECK (payer_account_id <> payee_account_id),
      CONSTRAINT payments_completed_once
        CHECK ((status = 'completed') = (transfer_id IS NOT NULL AND completed_at IS NOT NULL))
    );
    CREATE INDEX ledger_transfers_pending_idx ON ledger_transfers (debit_account_id) WHERE status = 'pending';
  `);
};

/** down drops the payments table. */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(
    'DROP INDEX IF EXISTS ledger_transfers_pending_idx; DROP TABLE IF EXISTS payments;',
  );
};
