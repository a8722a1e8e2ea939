import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * 0004_payment_requests adds payment requests and their approvals (SPEC.md §7). The database
 * holds the "one decision" rule itself: at most one approval row per request (a unique key),
 * and the payout is the one ledger transfer `payment-request-<id>-payout` (unique IDs).
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    CREATE TABLE payment_requests (
      id uuid PRIMARY KEY,
      requester_id uuid NOT NULL,
      from_account_id uuid NOT NULL REFERENCES accounts(id),
      to_account_id uuid NOT NULL REFERENCES accounts(id),
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
      status text NOT NULL CHECK (status IN
        ('pending_approval', 'approved', 'rejected', 'paid', 'payout_failed', 'expired')),
      workflow_id text NOT NULL UNIQUE,
      payout_transfer_id text UNIQUE REFERENCES ledger_transfers(id),
      payout_failure_code text,
      payout_failure_detail text,
      expires_at timestamptz NOT NULL,
      decided_at timestamptz,
      paid_at timestamptz,
      payout_failed_at timestamptz,
      rejected_at timestamptz,
      expired_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT payment_requests_distinct_accounts CHECK (from_account_id <> to_account_id),
      CONSTRAINT payment_requests_paid_once
        CHECK ((status = 'paid') = (payout_transfer_id IS NOT NULL AND paid_at IS NOT NULL)),
      CONSTRAINT payment_requests_failed_stamped
        CHECK (status <> 'payout_failed' OR (payout_failed_at IS NOT NULL AND payout_failure_code IS NOT NULL)),
      CONSTRAINT payment_requests_decided_once CHECK (
        status IN ('pending_approval', 'expired') OR decided_at IS NOT NULL),
      CONSTRAINT payment_requests_rejected_stamped CHECK (status <> 'rejected' OR rejected_at IS NOT NULL),
      CONSTRAINT payment_requests_expired_stamped CHECK (status <> 'expired' OR expired_at IS NOT NULL)
    );
    CREATE INDEX payment_requests_status_created_idx ON payment_requests (status, created_at DESC, id DESC);
    CREATE INDEX payment_requests_created_idx ON payment_requests (created_at DESC, id DESC);
    CREATE INDEX payment_requests_requester_idx ON payment_requests (requester_id);

    CREATE TABLE payment_request_approvals (
      payment_request_id uuid PRIMARY KEY REFERENCES payment_requests(id),
      decision text NOT NULL CHECK (decision IN ('approved', 'rejected')),
      approver_id uuid NOT NULL,
      note text CHECK (note IS NULL OR length(note) <= 500),
      decided_at timestamptz NOT NULL DEFAULT now()
    );
  `);
};

/** down drops what up created. */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(
    'DROP TABLE IF EXISTS payment_request_approvals, payment_requests CASCADE;',
  );
};
