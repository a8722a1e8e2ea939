import { randomUUID } from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { CategoryBalanceView } from '../domain/allowances';
import {
  ANALYTICS_TOP_MAX,
  BALANCE_RELATED_CODES,
  type OrderFailureAnalyticsView,
  type OrderFailureRecord,
  type OrderFailureView,
  type ValidationErrorEntry,
} from '../domain/order-failures';
import {
  AUDIT_CART_MAX_BYTES_MAX,
  auditCartOf,
  cleanAuditText,
} from '../domain/order-failures-cart';
import { toSafeInt, type Db } from './connection';
import { execute, query, withTransaction } from './transaction';
import { beforePosition, newestFirst } from './paging';

/*
 * Failed-attempt audit queries (SPEC.md §8): the one INSERT the order gate and the order route
 * make for every refused submission, the staff reads (list and analytics, computed in SQL),
 * and the retention deletes that the cleanup workflow and `npm run cleanup` share. The table
 * is append-only (a trigger refuses UPDATE); only retention deletes rows.
 */

/** OrderFailureRow is an `order_failures` row as pg returns it (bigint and numeric as text). */
interface OrderFailureRow {
  id: string;
  customer_id: string;
  actor_id: string;
  order_id: string | null;
  code: string;
  http_status: number;
  detail: string;
  errors: ValidationErrorEntry[];
  cart: unknown;
  cart_hash: string | null;
  idempotency_key: string | null;
  payment_method: string | null;
  full_balance_minor: string | null;
  available_balance_minor: string | null;
  category_balances: CategoryBalanceView[] | null;
  pause_active: boolean;
  pause_name: string | null;
  pause_multiplier: string | null;
  voucher_multiplier: string | null;
  voucher_count: number;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
}

const decimal = (value: string | null) => (value === null ? null : Number(value));

/** toOrderFailureView maps a row to the API shape. */
function toOrderFailureView(row: OrderFailureRow): OrderFailureView {
  const hasBalances = row.full_balance_minor !== null && row.available_balance_minor !== null;
  return {
    id: row.id,
    customerId: row.customer_id,
    actorId: row.actor_id,
    orderId: row.order_id,
    code: row.code,
    httpStatus: row.http_status,
    detail: row.detail,
    errors: row.errors,
    cart: row.cart,
    cartHash: row.cart_hash,
    idempotencyKey: row.idempotency_key,
    paymentMethod: row.payment_method,
    balances: hasBalances
      ? {
          fullBalanceMinor: toSafeInt(row.full_balance_minor),
          availableBalanceMinor: toSafeInt(row.available_balance_minor),
          categories: row.category_balances ?? [],
        }
      : null,
    pause: {
      active: row.pause_active,
      name: row.pause_name,
      multiplier: decimal(row.pause_multiplier),
    },
    vouchers: { multiplier: decimal(row.voucher_multiplier), count: row.voucher_count },
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * insertOrderFailure inserts one refused submission as an `order_failures` row (SPEC.md §8) with a
 * fresh random ID, and returns it; balance columns come from `record.balance` (minor units) or are
 * null/false/0. Texts lose NUL characters and the cart is cut to AUDIT_CART_MAX_BYTES_MAX, because
 * PostgreSQL refuses NUL (22P05) and no refused body may make the audit write fail.
 * @throws Error for a non-4xx `httpStatus` (a caller's bug), or the database's error.
 */
export async function insertOrderFailure(
  db: Db,
  record: OrderFailureRecord,
  transaction?: Transaction,
): Promise<string> {
  if (!Number.isInteger(record.httpStatus) || record.httpStatus < 400 || record.httpStatus > 499)
    throw new Error(`order failure ${record.code}: httpStatus ${record.httpStatus} is not 4xx`);
  const id = randomUUID();
  const balance = record.balance;
  const text = cleanAuditText({
    detail: record.detail,
    errors: record.errors,
    cartHash: record.cartHash,
    idempotencyKey: record.idempotencyKey,
    paymentMethod: record.paymentMethod,
    ip: record.ip,
    userAgent: record.userAgent,
  });
  await execute(
    db,
    `INSERT INTO order_failures (id, customer_id, actor_id, order_id, code, http_status, detail,
       errors, cart, cart_hash, idempotency_key, payment_method, full_balance_minor,
       available_balance_minor, category_balances, pause_active, pause_name, pause_multiplier,
       voucher_multiplier, voucher_count, ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15::jsonb,
       $16, $17, $18, $19, $20, $21, $22)`,
    [
      id,
      record.customerId,
      record.actorId,
      record.orderId,
      record.code,
      record.httpStatus,
      text.detail,
      JSON.stringify(text.errors),
      // A missing cart is stored as JSON null: the column keeps what was sent, and is NOT NULL.
      JSON.stringify(auditCartOf(record.cart, AUDIT_CART_MAX_BYTES_MAX)),
      text.cartHash,
      text.idempotencyKey,
      text.paymentMethod,
      balance?.fullBalanceMinor ?? null,
      balance?.availableBalanceMinor ?? null,
      balance ? JSON.stringify(balance.categories) : null,
      Boolean(balance?.pause),
      balance?.pause?.name ?? null,
      balance?.pause?.multiplier ?? null,
      balance?.vouchers.multiplier ?? null,
      balance?.vouchers.count ?? 0,
      text.ip,
      text.userAgent,
    ],
    transaction,
  );
  return id;
}

/** ListOrderFailuresInput pages through audit rows newest first, optionally for one customer. */
export interface ListOrderFailuresInput {
  customerId?: string;
  limit: number;
  /** after is the (createdAt, id) of the last row of the previous page. */
  after?: { createdAt: string; id: string };
}

/** listOrderFailures returns up to `limit` audit rows, newest first, after the cursor. */
export async function listOrderFailures(
  db: Db,
  input: ListOrderFailuresInput,
): Promise<OrderFailureView[]> {
  const where: string[] = [];
  const bind: unknown[] = [];
  if (input.customerId) {
    bind.push(input.customerId);
    where.push(`f.customer_id = $${bind.length}`);
  }
  if (input.after) beforePosition('f', input.after, where, bind);
  bind.push(input.limit);
  const sql = `SELECT f.* FROM order_failures f ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ${newestFirst('f')} LIMIT $${bind.length}`;
  return (await query<OrderFailureRow>(db, sql, bind)).map(toOrderFailureView);
}

/** OrderFailureAnalyticsInput is the analytics window in days (1–365) and an optional customer. */
export interface OrderFailureAnalyticsInput {
  days: number;
  customerId?: string;
}

/** AnalyticsRow is the one row of ANALYTICS_SQL (counts as bigint text, lists as JSON). */
interface AnalyticsRow {
  since: Date;
  failures: string;
  orders: string;
  failure_rate: string | null;
  balance_related: string;
  top_errors: { code: string; count: number }[];
  top_customers: { customerId: string; failures: number }[];
  daily: { date: string; failures: number }[];
}

/**
 * analyticsSql is the one statement of orderFailureAnalytics. Binds: $1 days, $2 the balance
 * related codes, $3 the top-list size, $4 the customer when `byCustomer`. The window `w` runs
 * from 00:00 UTC `days − 1` days before today (UTC) up to now; codes tie-break in byte order
 * (COLLATE "C") so the order does not depend on the database's locale.
 */
function analyticsSql(byCustomer: boolean): string {
  const customer = (alias: string) => (byCustomer ? `AND ${alias}.customer_id = $4::uuid` : '');
  return `
    WITH w AS (
      SELECT d.first_day, d.today, d.first_day::timestamp AT TIME ZONE 'UTC' AS since
      FROM (SELECT (now() AT TIME ZONE 'UTC')::date - ($1::int - 1) AS first_day,
                   (now() AT TIME ZONE 'UTC')::date AS today) d
    ),
    f AS (
      SELECT f.customer_id, f.code, (f.created_at AT TIME ZONE 'UTC')::date AS day
      FROM order_failures f, w WHERE f.created_at >= w.since ${customer('f')}
    ),
    by_code AS (
      SELECT code, count(*) AS n FROM f GROUP BY code ORDER BY n DESC, code COLLATE "C" LIMIT $3
    ),
    by_customer AS (
      SELECT customer_id, count(*) AS n FROM f GROUP BY customer_id
      ORDER BY n DESC, customer_id LIMIT $3
    ),
    by_day AS (SELECT day, count(*) AS n FROM f GROUP BY day),
    totals AS (
      SELECT (SELECT count(*) FROM f) AS failures,
             (SELECT count(*) FROM orders o, w
               WHERE o.created_at >= w.since ${customer('o')}) AS orders
    )
    SELECT w.since, t.failures, t.orders,
      round(t.failures::numeric / NULLIF(t.failures + t.orders, 0), 4) AS failure_rate,
      (SELECT count(*) FROM f WHERE f.code = ANY($2::text[])) AS balance_related,
      (SELECT COALESCE(json_agg(json_build_object('code', code, 'count', n)
                       ORDER BY n DESC, code COLLATE "C"), '[]'::json) FROM by_code) AS top_errors,
      (SELECT COALESCE(json_agg(json_build_object('customerId', customer_id, 'failures', n)
                       ORDER BY n DESC, customer_id), '[]'::json) FROM by_customer) AS top_customers,
      (SELECT json_agg(json_build_object('date', to_char(d, 'YYYY-MM-DD'), 'failures', COALESCE(b.n, 0))
                       ORDER BY d)
         FROM generate_series(w.first_day::timestamp, w.today::timestamp, interval '1 day') d
         LEFT JOIN by_day b ON b.day = d::date) AS daily
    FROM w, totals t`;
}

/**
 * orderFailureAnalytics computes the staff analytics of SPEC.md §8 in one SQL statement over
 * the last `days` UTC dates (today included) for all customers or one: attempts (failures +
 * orders created), failures, failureRate (4 decimals, 0 without attempts), the ten most
 * frequent codes and customers, failures per UTC date with zero days, and how many failures
 * were balance related (BALANCE_RELATED_CODES). See OrderFailureAnalyticsView.
 */
export async function orderFailureAnalytics(
  db: Db,
  input: OrderFailureAnalyticsInput,
): Promise<OrderFailureAnalyticsView> {
  const bind: unknown[] = [input.days, [...BALANCE_RELATED_CODES], ANALYTICS_TOP_MAX];
  if (input.customerId) bind.push(input.customerId);
  const [row] = await query<AnalyticsRow>(db, analyticsSql(Boolean(input.customerId)), bind);
  if (!row) throw new Error('order failure analytics returned no row');
  const failures = toSafeInt(row.failures);
  return {
    days: input.days,
    since: row.since.toISOString(),
    customerId: input.customerId ?? null,
    attempts: failures + toSafeInt(row.orders),
    failures,
    failureRate: row.failure_rate === null ? 0 : Number(row.failure_rate),
    topErrors: row.top_errors,
    daily: row.daily,
    topCustomers: row.top_customers,
    balanceRelatedFailures: toSafeInt(row.balance_related),
  };
}

/**
 * orderFailureCutoff is the retention cutoff for `olderThanDays` whole days: now on the
 * database's clock (the clock `created_at` is stamped with) minus that many days. Rows created
 * before it are due for deletion (SPEC.md §8 "Retention").
 */
export async function orderFailureCutoff(db: Db, olderThanDays: number): Promise<Date> {
  const [row] = await query<{ cutoff: Date }>(
    db,
    'SELECT now() - make_interval(days => $1::int) AS cutoff',
    [olderThanDays],
  );
  return row!.cutoff;
}

/** countOrderFailuresOlderThan counts the audit rows created before `cutoff`. */
export async function countOrderFailuresOlderThan(db: Db, cutoff: Date): Promise<number> {
  const [row] = await query<{ n: string }>(
    db,
    'SELECT count(*) AS n FROM order_failures WHERE created_at < $1',
    [cutoff],
  );
  return toSafeInt(row!.n);
}

/** OrderFailureSample is one audit row due for deletion, as `npm run cleanup --dry-run` shows it. */
export interface OrderFailureSample {
  id: string;
  customerId: string;
  code: string;
  createdAt: string;
}

/** sampleOrderFailuresOlderThan returns up to `limit` rows created before `cutoff`, oldest first. */
export async function sampleOrderFailuresOlderThan(
  db: Db,
  input: { cutoff: Date; limit: number },
): Promise<OrderFailureSample[]> {
  const rows = await query<{ id: string; customer_id: string; code: string; created_at: Date }>(
    db,
    `SELECT id, customer_id, code, created_at FROM order_failures WHERE created_at < $1
     ORDER BY created_at, id LIMIT $2`,
    [input.cutoff, input.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    customerId: row.customer_id,
    code: row.code,
    createdAt: row.created_at.toISOString(),
  }));
}

/** DeleteOrderFailuresInput bounds one retention pass: rows before `cutoff`, in batches. */
export interface DeleteOrderFailuresInput {
  cutoff: Date;
  /** batchSize is the most rows one DELETE statement (one short transaction) removes. */
  batchSize: number;
  /** batchesMax bounds the statements of this pass; a later pass deletes what is left. */
  batchesMax: number;
}

/**
 * deleteOrderFailuresOlderThan deletes the audit rows created before `cutoff`, oldest first,
 * in at most `batchesMax` transactions of at most `batchSize` rows each (DELETE … WHERE id IN
 * (SELECT … LIMIT batchSize)), and returns how many it deleted. It stops early at the first
 * short batch; a result of batchSize × batchesMax means rows may be left. Rows another
 * cleanup holds are skipped (SKIP LOCKED), so two cleanups at once never wait on each other.
 */
export async function deleteOrderFailuresOlderThan(
  db: Db,
  input: DeleteOrderFailuresInput,
): Promise<number> {
  let deleted = 0;
  for (let batch = 0; batch < input.batchesMax; batch += 1) {
    const count = await withTransaction(db, 'delete_order_failures', async (transaction) => {
      const [row] = await query<{ n: string }>(
        db,
        `WITH gone AS (
           DELETE FROM order_failures WHERE id IN (
             SELECT id FROM order_failures WHERE created_at < $1
             ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING 1)
         SELECT count(*) AS n FROM gone`,
        [input.cutoff, input.batchSize],
        transaction,
      );
      return toSafeInt(row!.n);
    });
    deleted += count;
    if (count < input.batchSize) break;
  }
  return deleted;
}
