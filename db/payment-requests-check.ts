/**
 * PAYMENT_REQUEST_CHECKS are the "one decision, exactly one payout" invariants of SPEC.md §7,
 * in the form of db/ledger-check.ts (each a query returning the rows that break it). checkLedger
 * runs them with the ledger's, so `npm run ledger:check` and every race test cover them.
 */
export const PAYMENT_REQUEST_CHECKS: { name: string; sql: string }[] = [
  {
    name: 'each paid payment request has exactly one payout transfer of its amount; no other has one',
    sql: `SELECT r.id, r.status, count(t.id) AS payouts FROM payment_requests r
          LEFT JOIN ledger_transfers t ON t.id = 'payment-request-' || r.id || '-payout'
            AND t.status = 'posted' AND t.amount_minor = r.amount_minor
            AND t.debit_account_id = r.from_account_id AND t.credit_account_id = r.to_account_id
          GROUP BY r.id, r.status
          HAVING count(t.id) <> CASE WHEN r.status = 'paid' THEN 1 ELSE 0 END`,
  },
  {
    name: 'each decided payment request has its one approval row, matching its status',
    sql: `SELECT r.id, r.status, a.decision FROM payment_requests r
          LEFT JOIN payment_request_approvals a ON a.payment_request_id = r.id
          WHERE (a.decision IS NULL) <> (r.status IN ('pending_approval', 'expired'))
             OR (a.decision = 'rejected') <> (r.status = 'rejected')`,
  },
];
