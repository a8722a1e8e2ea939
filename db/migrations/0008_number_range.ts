import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * NUMBER_RANGE_CONSTRAINTS names every CHECK of this migration: the columns that hold an
 * amount, a total or a balance, each kept within ±(2^53 − 1) minor units (SPEC.md §1 "Number
 * range"). db/number-range.ts maps a violation of any of them to 422 `amount_out_of_range`.
 */
export const NUMBER_RANGE_CONSTRAINTS = [
  'accounts_balance_in_range',
  'accounts_pending_debits_in_range',
  'accounts_available_in_range',
  'ledger_entries_balance_after_in_range',
  'orders_total_in_range',
  'bookings_amount_in_range',
] as const;

/** RANGE is the SQL form of ±(2^53 − 1), Number.MAX_SAFE_INTEGER. */
const RANGE = 'BETWEEN -9007199254740991 AND 9007199254740991';

/*
 * NOT VALID: the constraints hold for every row written from now on without scanning (and
 * refusing to deploy over) rows an older version let out of range; `npm run ledger:check`
 * names those ("every balance is within ±(2^53 − 1)").
 */
const NUMBER_RANGE_SQL = `
    ALTER TABLE accounts
      ADD CONSTRAINT accounts_balance_in_range CHECK (balance_minor ${RANGE}) NOT VALID,
      ADD CONSTRAINT accounts_pending_debits_in_range CHECK (pending_debits_minor ${RANGE}) NOT VALID,
      ADD CONSTRAINT accounts_available_in_range
        CHECK (balance_minor - pending_debits_minor ${RANGE}) NOT VALID;
    ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_balance_after_in_range
      CHECK (balance_after_minor ${RANGE}) NOT VALID;
    ALTER TABLE orders ADD CONSTRAINT orders_total_in_range CHECK (total_minor ${RANGE}) NOT VALID;
    ALTER TABLE bookings ADD CONSTRAINT bookings_amount_in_range
      CHECK (amount_minor ${RANGE}) NOT VALID;
`;

/**
 * 0008_number_range adds the last line of defence behind the in-transaction range checks
 * (domain/number-range.ts): a balance, an available balance, an order total or a booking
 * amount beyond ±(2^53 − 1) minor units cannot be stored, whatever the code does.
 */
export const up: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(NUMBER_RANGE_SQL);
};

/** down drops the constraints up added. */
export const down: MigrationFn<QueryInterface> = async ({ context }) => {
  await context.sequelize.query(`
    ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_balance_in_range,
      DROP CONSTRAINT IF EXISTS accounts_pending_debits_in_range,
      DROP CONSTRAINT IF EXISTS accounts_available_in_range;
    ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS ledger_entries_balance_after_in_range;
    ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_in_range;
    ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_amount_in_range;
  `);
};
