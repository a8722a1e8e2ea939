import type { Db } from '../../db/connection';
import { checkLedger } from '../../db/ledger-check';
import { query } from '../../db/transaction';
import type { Anomalies } from './model';

/**
 * STOCK_SQL returns every product whose stock breaks SPEC.md §2/§4: reserved equals the units
 * of its pending and paid orders, on-hand and reserved equal the sums of its stock movements,
 * and nothing is negative (available = on hand − reserved included).
 */
const STOCK_SQL = `
  SELECT p.id, p.stock_on_hand, p.reserved, coalesce(l.held, 0) AS held_by_orders,
         coalesce(m.on_hand, 0) AS on_hand_by_movements, coalesce(m.reserved, 0) AS reserved_by_movements
  FROM products p
  LEFT JOIN (SELECT ol.product_id, sum(ol.quantity) AS held FROM order_lines ol
             JOIN orders o ON o.id = ol.order_id WHERE o.status IN ('pending_payment', 'paid')
             GROUP BY ol.product_id) l ON l.product_id = p.id
  LEFT JOIN (SELECT product_id, sum(on_hand_delta) AS on_hand, sum(reserved_delta) AS reserved
             FROM stock_movements GROUP BY product_id) m ON m.product_id = p.id
  WHERE p.reserved <> coalesce(l.held, 0) OR p.stock_on_hand < 0 OR p.reserved < 0
     OR p.stock_on_hand - p.reserved < 0 OR p.stock_on_hand <> coalesce(m.on_hand, 0)
     OR p.reserved <> coalesce(m.reserved, 0)
  LIMIT 20`;

/**
 * checkInvariants runs checkLedger (db/ledger-check.ts: double entry, no negative wallet,
 * seats, nights, booking payments, one decision and one payout per payment request, allowance
 * postings) and the stock check, and records an anomaly for every violated invariant.
 */
export async function checkInvariants(db: Db, anomalies: Anomalies): Promise<void> {
  const report = await checkLedger(db);
  for (const check of report.checks.filter((c) => !c.ok))
    anomalies.add(
      'ledger, stock, seat or night invariant',
      `${check.name}: ${JSON.stringify(check.violations.slice(0, 3))}`,
    );
  const products = await query<Record<string, unknown>>(db, STOCK_SQL);
  for (const product of products)
    anomalies.add(
      'ledger, stock, seat or night invariant',
      `stock of product ${String(product.id)}: ${JSON.stringify(product)}`,
    );
}
