/**
 * ALLOWANCE_CHECKS are the "debited once, restored at most once" invariants of allowance
 * orders (SPEC.md §8), in the form of db/ledger-check.ts (each a query returning the rows that
 * break it; empty means it holds). checkLedger runs them with the ledger's, so
 * `npm run ledger:check` and every test's expectLedgerConsistent cover allowance postings too.
 */
export const ALLOWANCE_CHECKS: { name: string; sql: string }[] = [
  {
    name: 'each paid allowance order has exactly one debit posting of its total, paid from its programme’s funding account; an unpaid one none',
    sql: `SELECT o.id, o.status, o.total_minor::text AS total, d.amount_minor::text AS debit,
                 o.payment_account_id, pr.funding_account_id, t.amount_minor::text AS transfer
          FROM orders o
          LEFT JOIN allowance_postings d ON d.order_id = o.id AND d.kind = 'debit'
          LEFT JOIN programs pr ON pr.id = d.program_id
          LEFT JOIN ledger_transfers t ON t.id = o.payment_transfer_id
          WHERE o.payment_method = 'allowance' AND (
            (o.paid_at IS NOT NULL) <> (d.id IS NOT NULL)
            OR (d.id IS NOT NULL AND (d.amount_minor <> o.total_minor OR d.customer_id <> o.customer_id
              OR o.payment_account_id IS DISTINCT FROM pr.funding_account_id
              OR t.status IS DISTINCT FROM 'posted' OR t.amount_minor <> o.total_minor
              OR t.debit_account_id <> pr.funding_account_id)))`,
  },
  {
    name: 'each allowance order cancelled after payment has exactly one restore equal to its debit; no other order has one',
    sql: `SELECT o.id, o.status, d.amount_minor::text AS debit, r.amount_minor::text AS restore
          FROM orders o
          LEFT JOIN allowance_postings d ON d.order_id = o.id AND d.kind = 'debit'
          LEFT JOIN allowance_postings r ON r.order_id = o.id AND r.kind = 'restore'
          WHERE (o.payment_method = 'allowance' AND o.status = 'cancelled' AND o.paid_at IS NOT NULL)
                  <> (r.id IS NOT NULL)
             OR (r.id IS NOT NULL AND (d.id IS NULL OR r.amount_minor <> d.amount_minor
               OR r.period_start <> d.period_start OR r.categories <> d.categories
               OR r.program_id <> d.program_id OR r.customer_id <> d.customer_id))`,
  },
  {
    name: 'no allowance restore without its debit, and every posting belongs to an allowance order of its customer',
    sql: `SELECT r.id, r.order_id, 'restore without debit' AS problem FROM allowance_postings r
          WHERE r.kind = 'restore' AND NOT EXISTS (
            SELECT 1 FROM allowance_postings d WHERE d.order_id = r.order_id AND d.kind = 'debit')
          UNION ALL
          SELECT a.id, a.order_id, 'not an allowance order of this customer' FROM allowance_postings a
          JOIN orders o ON o.id = a.order_id
          WHERE o.payment_method <> 'allowance' OR o.customer_id <> a.customer_id`,
  },
];
