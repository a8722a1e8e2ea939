import type { Db } from '../../db/connection';
import { checkLedger } from '../../db/ledger-check';
import { query } from '../../db/transaction';
import type { RunResult } from './load';
import { DUPLICATE_SKU_LABEL, SEED } from './seed';
import { LIFECYCLE_PLACE_PATH } from './lifecycle';

/** BenchCheck is one invariant checked after all runs: whether it holds, and what was seen. */
export interface BenchCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** HOLDING_STATUSES are the order statuses whose lines keep stock reserved. */
const HOLDING_STATUSES = `('pending_payment', 'paid')`;

/** SQL_CHECKS are invariants as queries returning the rows that break them (none: it holds). */
const SQL_CHECKS: { name: string; sql: string }[] = [
  {
    name: 'no oversell: no product has reserved < 0 or reserved > stock (available < 0)',
    sql: `SELECT id, stock_on_hand, reserved FROM products
          WHERE reserved < 0 OR reserved > stock_on_hand OR stock_on_hand - reserved < 0`,
  },
  {
    name: 'each product’s reserved units = its pending orders’ lines + its baseline rows',
    sql: `SELECT p.id, p.reserved, COALESCE(o.units, 0) AS order_units, COALESCE(b.units, 0) AS baseline_units
          FROM products p
          LEFT JOIN (SELECT l.product_id, sum(l.quantity) AS units FROM order_lines l
                     JOIN orders o ON o.id = l.order_id WHERE o.status IN ${HOLDING_STATUSES}
                     GROUP BY l.product_id) o ON o.product_id = p.id
          LEFT JOIN (SELECT product_id, sum(quantity) AS units FROM bench_orders GROUP BY product_id) b
            ON b.product_id = p.id
          WHERE p.reserved <> COALESCE(o.units, 0) + COALESCE(b.units, 0)`,
  },
  {
    name: 'every order’s reservation movements sum to its lines (0 once released)',
    sql: `SELECT o.id, o.status, l.units, COALESCE(m.units, 0) AS reserved_units FROM orders o
          JOIN (SELECT order_id, sum(quantity) AS units FROM order_lines GROUP BY order_id) l ON l.order_id = o.id
          LEFT JOIN (SELECT order_id, sum(reserved_delta) AS units FROM stock_movements
                     WHERE order_id IS NOT NULL GROUP BY order_id) m ON m.order_id = o.id
          WHERE COALESCE(m.units, 0) <> CASE WHEN o.status IN ${HOLDING_STATUSES} THEN l.units ELSE 0 END`,
  },
  {
    name: 'no double charge: every order payment belongs to exactly one order, none twice',
    sql: `SELECT t.id, count(o.id) AS orders FROM ledger_transfers t
          LEFT JOIN orders o ON o.payment_transfer_id = t.id
          WHERE t.kind = 'order_payment' GROUP BY t.id HAVING count(o.id) <> 1
          UNION ALL
          SELECT payment_transfer_id, count(*) FROM orders WHERE payment_transfer_id IS NOT NULL
          GROUP BY payment_transfer_id HAVING count(*) > 1`,
  },
];

/** ACKNOWLEDGED are the rows each 201 of a route must have written exactly once. */
const ACKNOWLEDGED: { routePaths: string[]; what: string; sql: string }[] = [
  {
    routePaths: ['/bench/baseline'],
    what: 'bench_orders rows',
    sql: 'SELECT count(*) AS n FROM bench_orders',
  },
  {
    routePaths: ['/v1/orders', LIFECYCLE_PLACE_PATH],
    what: 'orders',
    sql: 'SELECT count(*) AS n FROM orders',
  },
  {
    routePaths: ['/v1/transfers'],
    what: 'posted transfers',
    sql: `SELECT count(*) AS n FROM ledger_transfers WHERE kind = 'transfer' AND status = 'posted'`,
  },
  { routePaths: ['/v1/bookings'], what: 'bookings', sql: 'SELECT count(*) AS n FROM bookings' },
];

/** routeTotals reads the API's /metrics: answers per route and status since it started. */
async function routeTotals(apiUrl: string): Promise<Map<string, Record<string, number>>> {
  const text = await (
    await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
  ).text();
  const totals = new Map<string, Record<string, number>>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('holdfast_http_request_duration_seconds_count{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (labels.method !== 'POST') continue;
    const byStatus = totals.get(labels.route!) ?? {};
    byStatus[labels.status!] = (byStatus[labels.status!] ?? 0) + Number(line.split(' ').pop());
    totals.set(labels.route!, byStatus);
  }
  return totals;
}

/**
 * acknowledgedChecks compare each write route's 201s (as the API counted them, over the whole
 * bench) with the rows in PostgreSQL: every acknowledged write exists once (rows ≥ 201s), and
 * nothing was written twice (rows ≤ 201s + 5xx, whose outcome the client cannot know).
 */
async function acknowledgedChecks(db: Db, apiUrl: string): Promise<BenchCheck[]> {
  const totals = await routeTotals(apiUrl);
  const checks: BenchCheck[] = [];
  for (const route of ACKNOWLEDGED) {
    const answers = route.routePaths.flatMap((path) => Object.entries(totals.get(path) ?? {}));
    const created = answers.filter(([status]) => status === '201').reduce((n, [, c]) => n + c, 0);
    const unknown = answers
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, count]) => sum + count, 0);
    const [row] = await query<{ n: string }>(db, route.sql);
    const rows = Number(row!.n);
    checks.push({
      name: `${route.routePaths.join(' + ')}: every 201 wrote its ${route.what} once`,
      ok: rows >= created && rows <= created + unknown,
      detail: `${created} × 201, ${unknown} × 5xx, ${rows} ${route.what}`,
    });
  }
  return checks;
}

/** flashSaleChecks: no flash-sale run acknowledged more orders than its scarce units. */
function flashSaleChecks(runs: RunResult[]): BenchCheck[] {
  const flash = runs.filter((run) => run.scarceUnits !== undefined);
  if (flash.length === 0) return [];
  const over = flash.filter((run) => (run.serverStatusCounts['201'] ?? 0) > run.scarceUnits!);
  return [
    {
      name: 'flash sale: no run placed more orders than its scarce units',
      ok: over.length === 0,
      detail: flash
        .map(
          (run) =>
            `${run.connections} conn: ${run.serverStatusCounts['201'] ?? 0}/${run.scarceUnits}`,
        )
        .join(', '),
    },
  ];
}

/**
 * duplicateChecks: orders-duplicates placed each customer's line at most once (its products
 * are fresh per run, so a second order of the same customer and product is a duplicate the
 * gate let through), and no run placed more orders than it has customers' lines (one each).
 */
async function duplicateChecks(db: Db, runs: RunResult[]): Promise<BenchCheck[]> {
  const duplicates = runs.filter((run) => run.scenario === 'orders-duplicates');
  if (duplicates.length === 0) return [];
  const twice = await query<Record<string, unknown>>(
    db,
    `SELECT o.customer_id, l.product_id, count(*) AS orders FROM orders o
     JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.id = l.product_id
     WHERE p.sku LIKE $1 GROUP BY o.customer_id, l.product_id HAVING count(*) > 1`,
    [`${DUPLICATE_SKU_LABEL}-%`],
  );
  const placed = (run: RunResult) => run.serverStatusCounts['201'] ?? 0;
  return [
    {
      name: 'orders-duplicates: no keyless line placed twice for a customer',
      ok: twice.length === 0 && duplicates.every((run) => placed(run) <= SEED.customersN),
      detail:
        twice.length > 0
          ? `${twice.length} placed twice, e.g. ${JSON.stringify(twice.slice(0, 3))}`
          : duplicates
              .map(
                (run) =>
                  `${run.connections} conn: ${placed(run)} × 201 (≤ ${SEED.customersN}), ` +
                  `${run.serverStatusCounts['409'] ?? 0} × 409`,
              )
              .join(', '),
    },
  ];
}

/**
 * runChecks verifies, after all runs: no oversell and reservations that match orders (SQL),
 * no double charge, every acknowledged write stored once, the flash-sale bound, each keyless
 * duplicate line placed once, and the
 * double-entry ledger (db/ledger-check.ts).
 */
export async function runChecks(db: Db, apiUrl: string, runs: RunResult[]): Promise<BenchCheck[]> {
  const checks: BenchCheck[] = [];
  for (const check of SQL_CHECKS) {
    const rows = await query<Record<string, unknown>>(db, check.sql);
    checks.push({
      name: check.name,
      ok: rows.length === 0,
      detail:
        rows.length === 0
          ? '0 violations'
          : `${rows.length} violations, e.g. ${JSON.stringify(rows.slice(0, 3))}`,
    });
  }
  checks.push(...(await acknowledgedChecks(db, apiUrl)), ...flashSaleChecks(runs));
  checks.push(...(await duplicateChecks(db, runs)));
  // checkLedger also runs the booking invariants (db/bookings-check.ts): no seat taken twice.
  const ledger = await checkLedger(db);
  const failed = ledger.checks.filter((check) => !check.ok);
  checks.push({
    name: 'ledger check (db/ledger-check.ts): balances, entries, no transfer twice, no seat twice',
    ok: ledger.ok,
    detail: ledger.ok
      ? `${ledger.counts.accounts} accounts, ${ledger.counts.transfers} transfers, ${ledger.counts.entries} entries`
      : failed
          .map((check) => `${check.name}: ${JSON.stringify(check.violations.slice(0, 3))}`)
          .join('; '),
  });
  return checks;
}
