import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { searchProducts } from '../db/catalog';
import { createDb, type Db } from '../db/connection';
import { migrate } from '../db/migrate';
import * as readPaths from '../db/migrations/0009_read_paths';
import { ORDER_SELECT, listOrders } from '../db/orders';
import { freePort, startEmbeddedPostgres } from '../tools/stack/local-stack';
import { lastStatementOf, type CapturedStatement } from '../tools/explain';
import { exitWithUsage, parseCli } from './shared/cli';

const USAGE = `usage: npm run explain:reads [-- --rows N]

Seeds N products and N orders (default 100000) into a throwaway embedded PostgreSQL and prints
EXPLAIN (ANALYZE, BUFFERS) of the product search and the staff order list: before
0009_read_paths (the old SQL, kept in this script, on the old indexes) and after (the SQL that
db/catalog.ts and db/orders.ts send today). Each plan runs twice; the second (warm) is printed.`;

/** ROWS_MAX bounds --rows: the seeding runs in one statement per table on a 2-core machine. */
const ROWS_MAX = 2_000_000;

/** PAGE_LIMIT is the page size every explained read asks for (SPEC.md §1 default). */
const PAGE_LIMIT = 50;

/**
 * SEARCH_TEXTS are product searches: a material and noun (about 0.6% of the seeded names), a
 * SKU prefix (100 SKUs), a word no product has, and a material in one name of eight (the
 * costliest kind for a trigram search: every match is collected, then sorted).
 */
const SEARCH_TEXTS = ['walnut lamp', 'SKU-0421', 'velvet', 'oak'];

/** OLD_SEARCH_SQL is searchProducts before 0009: optional filters as `$n IS NULL OR …`. */
const OLD_SEARCH_SQL = `SELECT p.* FROM products p JOIN sellers s ON s.id = p.seller_id
     WHERE s.approval_status = 'approved'
       AND ($1::text IS NULL OR p.name ILIKE $1 OR p.sku ILIKE $1)
       AND ($2::text IS NULL OR p.category = $2)
       AND ($3::text IS NULL OR (p.name, p.id) > ($3::text, $4::uuid))
     ORDER BY p.name, p.id LIMIT $5`;

/** OLD_ORDER_LIST_SQL is the staff order list's first page before 0009. */
const OLD_ORDER_LIST_SQL = `${ORDER_SELECT}
    ORDER BY date_trunc('milliseconds', o.created_at) DESC, o.id DESC LIMIT $1`;

/** OLD_ORDER_PAGE_SQL is a later page of the staff order list before 0009. */
const OLD_ORDER_PAGE_SQL = `${ORDER_SELECT} WHERE (date_trunc('milliseconds', o.created_at), o.id) < ($1::timestamptz, $2::uuid)
    ORDER BY date_trunc('milliseconds', o.created_at) DESC, o.id DESC LIMIT $3`;

/**
 * seedSql writes 100 merchants (90 approved), `rowsN` products named from a small vocabulary
 * (colour, material, noun, number; SKU-000001…), and `rowsN` cancelled one-line orders of
 * 5,000 customers spread over 90 days, stamped to the microsecond as now() stamps them. One
 * multi-statement script (no bind parameters there): `rowsN` is a checked whole number.
 */
const seedSql = (rowsN: number) => `
  INSERT INTO sellers (id, name, kind, approval_status)
  SELECT gen_random_uuid(), 'seller ' || i, 'merchant', CASE WHEN i % 10 = 0 THEN 'suspended' ELSE 'approved' END
  FROM generate_series(1, 100) AS i;
  INSERT INTO products (id, seller_id, sku, name, category, price_minor, currency, stock_on_hand)
  SELECT gen_random_uuid(), s.ids[1 + i % 100], 'SKU-' || lpad(i::text, 6, '0'),
    (ARRAY['red','blue','green','black','white','grey','amber','teal'])[1 + i % 8] || ' ' ||
    (ARRAY['oak','walnut','steel','glass','linen','wool','brass','pine'])[1 + (i / 8) % 8] || ' ' ||
    (ARRAY['lamp','desk','chair','shelf','rug','mug','vase','clock','bench','stool',
           'sofa','table','mirror','frame','bowl','tray','basket','candle','cushion','blanket'])[1 + (i / 64) % 20]
      || ' #' || i,
    (ARRAY['home','office','garden','kitchen'])[1 + i % 4], 100 + i % 5000, 'EUR', 1000
  FROM generate_series(1, ${rowsN}) AS i, (SELECT array_agg(id ORDER BY name) AS ids FROM sellers) s;
  INSERT INTO orders (id, customer_id, status, payment_method, total_minor, currency, workflow_id,
    reserved_at, expires_at, cancelled_at, created_at)
  SELECT o.id, c.ids[1 + i % 5000], 'cancelled', 'wallet', 100, 'EUR', 'order-' || o.id,
    o.at, o.at, o.at, o.at
  FROM generate_series(1, ${rowsN}) AS i,
    LATERAL (SELECT gen_random_uuid() AS id, now() - random() * interval '90 days' + i * interval '0 s' AS at) o,
    (SELECT array_agg(gen_random_uuid()) AS ids FROM generate_series(1, 5000)) c;
  INSERT INTO order_lines (order_id, product_id, quantity, price_minor)
  SELECT o.id, p.id, 1, 100
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM orders) o
  JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM products) p ON p.n = o.n;
  ANALYZE;`;

/** Explained is one EXPLAIN (ANALYZE, BUFFERS) output, as PostgreSQL prints it. */
interface Explained {
  title: string;
  lines: string[];
}

/** explainAnalyze runs `statement` under EXPLAIN (ANALYZE, BUFFERS) twice, returning the second. */
async function explainAnalyze(db: Db, title: string, statement: CapturedStatement) {
  let lines: string[] = [];
  for (let run = 0; run < 2; run += 1) {
    const rows = await db.sequelize.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${statement.sql}`,
      { bind: statement.bind, type: QueryTypes.SELECT },
    );
    lines = rows.map((row) => row['QUERY PLAN']);
  }
  return { title, lines } satisfies Explained;
}

/** middleOrder is the (createdAt, id) of the order halfway down the staff list: a deep page. */
async function middleOrder(db: Db, rowsN: number): Promise<{ createdAt: string; id: string }> {
  const [row] = await db.sequelize.query<{ created_at: Date; id: string }>(
    `SELECT date_trunc('milliseconds', created_at) AS created_at, id FROM orders
     ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC OFFSET $1 LIMIT 1`,
    { bind: [Math.floor(rowsN / 2)], type: QueryTypes.SELECT },
  );
  return { createdAt: row!.created_at.toISOString(), id: row!.id };
}

/** ReadCase is one read explained before and after: the old SQL and today's db/ function. */
interface ReadCase {
  title: string;
  old: CapturedStatement;
  read: (db: Db) => Promise<unknown>;
}

/** readCases are the explained reads; `middle` is the position of a page halfway down. */
function readCases(middle: { createdAt: string; id: string }): ReadCase[] {
  const search = (q: string): ReadCase => ({
    title: `product search q='${q}'`,
    old: { sql: OLD_SEARCH_SQL, bind: [`%${q}%`, null, null, null, PAGE_LIMIT] },
    read: (db) => searchProducts(db, { q, limit: PAGE_LIMIT }),
  });
  return [
    ...SEARCH_TEXTS.map(search),
    {
      title: 'product browse (no q)',
      old: { sql: OLD_SEARCH_SQL, bind: [null, null, null, null, PAGE_LIMIT] },
      read: (db) => searchProducts(db, { limit: PAGE_LIMIT }),
    },
    {
      title: 'staff order list, first page',
      old: { sql: OLD_ORDER_LIST_SQL, bind: [PAGE_LIMIT] },
      read: (db) => listOrders(db, { limit: PAGE_LIMIT }),
    },
    {
      title: 'staff order list, page at the middle',
      old: { sql: OLD_ORDER_PAGE_SQL, bind: [middle.createdAt, middle.id, PAGE_LIMIT] },
      read: (db) => listOrders(db, { limit: PAGE_LIMIT, after: middle }),
    },
  ];
}

/** explainBefore explains each case's old SQL on the schema as it was before 0009. */
async function explainBefore(db: Db, cases: ReadCase[]): Promise<Explained[]> {
  const explained: Explained[] = [];
  for (const { title, old } of cases) explained.push(await explainAnalyze(db, title, old));
  return explained;
}

/** explainAfter explains the SQL db/ sends today, captured from the functions themselves. */
async function explainAfter(db: Db, cases: ReadCase[]): Promise<Explained[]> {
  const explained: Explained[] = [];
  for (const { title, read } of cases) {
    explained.push(await explainAnalyze(db, title, await lastStatementOf(db, read)));
  }
  return explained;
}

/** summaryOf is a plan's scan and sort nodes, its buffers and its execution time, on one line. */
function summaryOf(explained: Explained): string {
  const time = explained.lines.find((line) => line.startsWith('Execution Time'))!;
  const buffers = explained.lines.find((line) => line.trim().startsWith('Buffers:'))!.trim();
  // Plan nodes are the first line and every `->` line; keep the scans and sorts.
  const nodes = explained.lines
    .filter((line, index) => index === 0 || line.includes('->'))
    .map((line) => line.replace(/^\s*(->)?\s*/, '').replace(/\s+\(cost=.*$/, ''))
    .filter((node) => /Scan|Sort/.test(node));
  return `${nodes.join('; ')} | ${buffers} | ${time}`;
}

/** printAll prints every plan in full, then one summary line per plan. */
function printAll(phase: string, explained: Explained[]): void {
  for (const { title, lines } of explained) {
    console.log(`\n=== ${phase}: ${title}\n${lines.join('\n')}`);
  }
}

/** rowsFrom reads --rows: a whole number from 1000 to ROWS_MAX. */
function rowsFrom(text: string): number {
  const rowsN = Number(text);
  if (!Number.isInteger(rowsN) || rowsN < 1000 || rowsN > ROWS_MAX)
    exitWithUsage(USAGE, `--rows must be a whole number from 1000 to ${ROWS_MAX}`);
  return rowsN;
}

/** explainReads seeds `rowsN` rows into `db` and prints the plans before and after 0009. */
async function explainReads(db: Db, rowsN: number): Promise<void> {
  await migrate(db.sequelize);
  await readPaths.down({ context: db.sequelize.getQueryInterface(), name: '0009', path: '' });
  const seedStartMs = Date.now();
  await db.sequelize.query(seedSql(rowsN));
  console.log(`seeded ${rowsN} products and ${rowsN} orders in ${Date.now() - seedStartMs} ms`);
  // The position halfway down the list is the same rows before and after: 0009 truncates.
  const cases = readCases(await middleOrder(db, rowsN));
  const before = await explainBefore(db, cases);
  const migrateStartMs = Date.now();
  await readPaths.up({ context: db.sequelize.getQueryInterface(), name: '0009', path: '' });
  await db.sequelize.query('ANALYZE');
  console.log(`0009_read_paths applied to that data in ${Date.now() - migrateStartMs} ms`);
  const after = await explainAfter(db, cases);
  printAll('before', before);
  printAll('after', after);
  console.log(`\nsummary (${rowsN} products, ${rowsN} orders; warm runs):`);
  for (const [index, explained] of before.entries()) {
    console.log(`- ${explained.title}`);
    console.log(`    before: ${summaryOf(explained)}`);
    console.log(`    after:  ${summaryOf(after[index]!)}`);
  }
}

/** `npm run explain:reads`: see USAGE. */
async function main(): Promise<void> {
  const { values } = parseCli(USAGE, {
    options: { rows: { type: 'string', default: '100000' } },
  });
  const rowsN = rowsFrom(values.rows);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holdfast-explain-'));
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: await freePort(),
    database: 'holdfast',
    persistent: false,
  });
  // No read timeout: the seeding and the old plans may take longer than a request may.
  const db = createDb({
    databaseUrl: postgres.url,
    dbPoolMax: 1,
    dbLockTimeoutMs: 60_000,
    dbStatementTimeoutMs: 600_000,
  });
  try {
    await explainReads(db, rowsN);
  } finally {
    await db.sequelize.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
