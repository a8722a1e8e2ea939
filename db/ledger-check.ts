import { Transaction } from 'sequelize';
import { ALLOWANCE_CHECKS } from './allowances-check';
import { BOOKING_CHECKS } from './bookings-check';
import type { Db } from './connection';
import { PAYMENT_REQUEST_CHECKS } from './payment-requests-check';
import { query } from './transaction';

/** LedgerCheck is one verified invariant: its name, whether it holds, and the offending rows. */
export interface LedgerCheck {
  name: string;
  ok: boolean;
  /** violations are up to 20 offending rows, as read from SQL. */
  violations: Record<string, unknown>[];
}

/** LedgerReport is the outcome of checkLedger: every check, and `ok` when all hold. */
export interface LedgerReport {
  ok: boolean;
  checks: LedgerCheck[];
  counts: { accounts: number; transfers: number; entries: number };
}

/**
 * LEDGER_CHECKS are the double-entry invariants of SPEC.md §5, each a query returning the rows
 * that break it (an empty result means it holds). They run in one REPEATABLE READ snapshot.
 */
const LEDGER_CHECKS: { name: string; sql: string }[] = [
  {
    name: 'all balances sum to zero (per currency)',
    sql: `SELECT currency, sum(balance_minor)::text AS total FROM accounts GROUP BY currency HAVING sum(balance_minor) <> 0`,
  },
  {
    name: 'every balance equals the sum of its entries',
    sql: `SELECT a.id, a.balance_minor::text AS balance, COALESCE(e.total, 0)::text AS entries
          FROM accounts a LEFT JOIN (SELECT account_id, sum(amount_minor) AS total FROM ledger_entries GROUP BY account_id) e
            ON e.account_id = a.id
          WHERE a.balance_minor <> COALESCE(e.total, 0)`,
  },
  {
    name: 'every balance is within ±(2^53 − 1) minor units (balance, pending, available)',
    sql: `SELECT id, kind, balance_minor::text AS balance, pending_debits_minor::text AS pending FROM accounts
          WHERE abs(balance_minor::numeric) > 9007199254740991 OR abs(pending_debits_minor::numeric) > 9007199254740991
             OR abs(balance_minor::numeric - pending_debits_minor) > 9007199254740991`,
  },
  {
    name: 'no account that disallows negatives is negative (balance or available)',
    sql: `SELECT id, kind, balance_minor::text AS balance, pending_debits_minor::text AS pending FROM accounts
          WHERE NOT allow_negative AND (balance_minor < 0 OR balance_minor - pending_debits_minor < 0)`,
  },
  {
    name: 'every posted transfer has exactly two entries: −amount on its debit, +amount on its credit',
    sql: `SELECT t.id, t.status, count(e.id) AS entries FROM ledger_transfers t
          LEFT JOIN ledger_entries e ON e.transfer_id = t.id
          GROUP BY t.id, t.status, t.amount_minor, t.debit_account_id, t.credit_account_id
          HAVING (t.status = 'posted' AND (count(e.id) <> 2
                   OR sum(CASE WHEN e.account_id = t.debit_account_id THEN e.amount_minor END) <> -t.amount_minor
                   OR sum(CASE WHEN e.account_id = t.credit_account_id THEN e.amount_minor END) <> t.amount_minor))
              OR (t.status <> 'posted' AND count(e.id) <> 0)`,
  },
  {
    name: 'no transfer ID appears twice (in transfers or in one account’s entries)',
    sql: `SELECT id, count(*) AS n FROM ledger_transfers GROUP BY id HAVING count(*) > 1
          UNION ALL
          SELECT transfer_id || '/' || account_id, count(*) FROM ledger_entries GROUP BY transfer_id, account_id HAVING count(*) > 1`,
  },
  {
    name: 'pending debits equal the open holds of each account',
    sql: `SELECT a.id, a.pending_debits_minor::text AS pending, COALESCE(h.total, 0)::text AS holds
          FROM accounts a LEFT JOIN (SELECT debit_account_id, sum(amount_minor) AS total FROM ledger_transfers
                                     WHERE status = 'pending' GROUP BY debit_account_id) h ON h.debit_account_id = a.id
          WHERE a.pending_debits_minor <> COALESCE(h.total, 0)`,
  },
  {
    name: 'each account’s latest entry carries its current balance',
    sql: `SELECT a.id, a.balance_minor::text AS balance, e.balance_after_minor::text AS latest FROM accounts a
          JOIN LATERAL (SELECT balance_after_minor FROM ledger_entries WHERE account_id = a.id ORDER BY id DESC LIMIT 1) e ON true
          WHERE e.balance_after_minor <> a.balance_minor`,
  },
];

/**
 * checkLedger verifies every LEDGER_CHECKS invariant, the bookings' (BOOKING_CHECKS), the payment
 * requests' (one decision, one payout) and the allowance orders' (ALLOWANCE_CHECKS) against one
 * consistent snapshot, and returns what it found; it never throws for a violation, so the caller
 * decides. Tests call it after every race; `npm run ledger:check` exits non-zero on a violation.
 */
export async function checkLedger(db: Db): Promise<LedgerReport> {
  const options = { isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ, readOnly: true };
  return db.sequelize.transaction(options, async (transaction) => {
    const checks: LedgerCheck[] = [];
    const all = [
      ...LEDGER_CHECKS,
      ...BOOKING_CHECKS,
      ...PAYMENT_REQUEST_CHECKS,
      ...ALLOWANCE_CHECKS,
    ];
    for (const check of all) {
      const violations = await query<Record<string, unknown>>(db, check.sql, [], transaction);
      checks.push({
        name: check.name,
        ok: violations.length === 0,
        violations: violations.slice(0, 20),
      });
    }
    const [counts] = await query<{ accounts: string; transfers: string; entries: string }>(
      db,
      `SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM ledger_transfers) AS transfers,
              (SELECT count(*) FROM ledger_entries) AS entries`,
      [],
      transaction,
    );
    return {
      ok: checks.every((c) => c.ok),
      checks,
      counts: {
        accounts: Number(counts!.accounts),
        transfers: Number(counts!.transfers),
        entries: Number(counts!.entries),
      },
    };
  });
}
