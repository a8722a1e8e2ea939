import type { Transaction } from 'sequelize';
import {
  allowancePeriodAt,
  allowancePostingIds,
  allowanceRequestOf,
  assertAllowanceCoversRequest,
  computeAllowanceBalance,
  type AllowanceBalanceView,
  type AllowancePeriod,
  type PauseInput,
  type VoucherInput,
} from '../domain/allowances';
import { DomainError } from '../domain/errors';
import type { OrderView } from '../domain/orders';
import { toSafeInt, type Db } from './connection';
import { execute, lockRows, query } from './transaction';

/*
 * Allowance balances and postings (SPEC.md §8): the balance read the API and the order
 * transactions share, the participant row lock, and the debit and restore postings that paying
 * and cancelling an allowance order write (lock order: orders → products → participants →
 * accounts). Programmes, pauses, participants and vouchers are in db/allowances-programs.ts.
 */

/** AllowanceLine is one order line as the allowance check sees it: its subtotal's parts. */
export interface AllowanceLine {
  productId: string;
  quantity: number;
  priceMinor: number;
  category: string | null;
}

/** AllowanceCoverInput asks whether a participant's available allowance covers some lines. */
export interface AllowanceCoverInput {
  customerId: string;
  currency: string;
  lines: AllowanceLine[];
}

/** BalanceRow is one participant's programme and current-period sums (BALANCE_SELECT). */
interface BalanceRow {
  customer_id: string;
  program_id: string;
  currency: string;
  allowance_minor: string;
  period: AllowancePeriod;
  funding_account_id: string;
  now: Date;
  period_start: Date;
  category_limits: Record<string, string>;
  pauses: PauseInput[];
  vouchers: VoucherInput[];
  spent_minor: string;
  category_spent: Record<string, string>;
}

/**
 * BALANCE_SELECT reads, in one statement (one snapshot), a participant's programme, the
 * transaction's time, the current period's start (UTC calendar week or month, the same rule as
 * allowancePeriodAt), the category limits, the pause running now, the unexpired vouchers, and
 * the current period's postings summed (debits − restores), overall and per category.
 */
const BALANCE_SELECT = `
  WITH ctx AS (
    SELECT pp.customer_id, pp.program_id, pr.currency, pr.allowance_minor::text AS allowance_minor, pr.period,
           pr.funding_account_id, now() AS now, date_trunc(pr.period, now(), 'UTC') AS period_start
    FROM program_participants pp JOIN programs pr ON pr.id = pp.program_id
    WHERE pp.customer_id = $1),
  postings AS (
    SELECT a.* FROM allowance_postings a, ctx
    WHERE a.customer_id = ctx.customer_id AND a.program_id = ctx.program_id AND a.period_start = ctx.period_start)
  SELECT ctx.*,
    (SELECT COALESCE(json_object_agg(l.category, l.limit_minor::text), '{}') FROM program_category_limits l
      WHERE l.program_id = ctx.program_id) AS category_limits,
    (SELECT COALESCE(json_agg(json_build_object('name', z.name, 'multiplier', z.multiplier::text,
              'startsAt', z.starts_at, 'endsAt', z.ends_at) ORDER BY z.starts_at), '[]')
      FROM program_pauses z WHERE z.program_id = ctx.program_id AND z.starts_at <= ctx.now AND z.ends_at > ctx.now) AS pauses,
    (SELECT COALESCE(json_agg(json_build_object('multiplier', v.multiplier::text, 'expiresAt', v.expires_at)
              ORDER BY v.id), '[]')
      FROM participant_vouchers v WHERE v.customer_id = ctx.customer_id AND v.expires_at > ctx.now) AS vouchers,
    (SELECT COALESCE(sum(CASE p.kind WHEN 'debit' THEN p.amount_minor ELSE -p.amount_minor END), 0)::text
      FROM postings p) AS spent_minor,
    (SELECT COALESCE(json_object_agg(c.category, c.spent::text), '{}') FROM (
       SELECT e.key AS category, sum(CASE p.kind WHEN 'debit' THEN e.value::bigint ELSE -e.value::bigint END) AS spent
       FROM postings p CROSS JOIN jsonb_each_text(p.categories) e GROUP BY e.key) c) AS category_spent
  FROM ctx`;

/** ParticipantBalance is a balance with the programme's funding account (for payment). */
interface ParticipantBalance {
  balance: AllowanceBalanceView;
  fundingAccountId: string;
  periodStart: Date;
}

/** toMinorRecord converts every value of a JSON object of BIGINT texts to safe integers. */
function toMinorRecord(texts: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(texts).map(([key, text]) => [key, toSafeInt(text)]));
}

/**
 * readBalance reads a participant's balance now (the transaction's time when given one), or
 * undefined when the customer is in no programme. It asserts that SQL and allowancePeriodAt
 * agree on the current period.
 */
async function readBalance(
  db: Db,
  customerId: string,
  transaction?: Transaction,
): Promise<ParticipantBalance | undefined> {
  const [row] = await query<BalanceRow>(db, BALANCE_SELECT, [customerId], transaction);
  if (!row) return undefined;
  const balance = computeAllowanceBalance({
    customerId: row.customer_id,
    programId: row.program_id,
    currency: row.currency.trim(),
    period: row.period,
    allowanceMinor: toSafeInt(row.allowance_minor),
    categoryLimits: toMinorRecord(row.category_limits),
    at: row.now,
    spentMinor: toSafeInt(row.spent_minor),
    categorySpentMinor: toMinorRecord(row.category_spent),
    pauses: row.pauses,
    vouchers: row.vouchers,
  });
  const expected = allowancePeriodAt(row.period, row.now).startsAt;
  if (expected.getTime() !== row.period_start.getTime())
    throw new Error(`period start ${row.period_start.toISOString()} ≠ ${expected.toISOString()}`);
  return { balance, fundingAccountId: row.funding_account_id, periodStart: row.period_start };
}

/** findAllowanceBalance reads a participant's balance now, or undefined for a non-participant. */
export async function findAllowanceBalance(
  db: Db,
  customerId: string,
): Promise<AllowanceBalanceView | undefined> {
  return (await readBalance(db, customerId))?.balance;
}

/**
 * lockParticipantBalance locks the participant row `FOR UPDATE`, then reads the balance in a
 * NEW statement: under READ COMMITTED a statement sees the snapshot taken when it began, so
 * reading in the locking statement could miss a posting committed while it waited.
 * @throws DomainError `not_a_participant` (422) when the customer is in no programme.
 */
async function lockParticipantBalance(
  db: Db,
  transaction: Transaction,
  customerId: string,
): Promise<ParticipantBalance> {
  await lockRows(
    db,
    transaction,
    'program_participants',
    'SELECT customer_id FROM program_participants WHERE customer_id = $1 FOR UPDATE',
    [customerId],
  );
  const read = await readBalance(db, customerId, transaction);
  if (!read) {
    throw new DomainError('not_a_participant', 'The customer is in no allowance programme', {
      customerId,
    });
  }
  return read;
}

/**
 * assertAllowanceCovers runs inside a placement transaction, after the products are locked: it
 * locks the participant row `FOR UPDATE` and refuses lines whose total exceeds the available
 * balance, or whose category subtotal exceeds that category's sub-limit, stating what is
 * available. Placement debits nothing: payment does.
 * @throws DomainError, see api/orders/service.ts placeOrder (allowance refusals).
 */
export async function assertAllowanceCovers(
  db: Db,
  transaction: Transaction,
  input: AllowanceCoverInput,
): Promise<void> {
  const { balance } = await lockParticipantBalance(db, transaction, input.customerId);
  assertAllowanceCoversRequest(balance, allowanceRequestOf(input.currency, input.lines));
}

/** orderCategoryMinor sums an order's lines per product category (uncategorised lines left out). */
async function orderCategoryMinor(
  db: Db,
  transaction: Transaction,
  orderId: string,
): Promise<Record<string, number>> {
  const rows = await query<{ category: string; amount_minor: string }>(
    db,
    `SELECT p.category, sum(l.quantity * l.price_minor)::text AS amount_minor
     FROM order_lines l JOIN products p ON p.id = l.product_id
     WHERE l.order_id = $1 AND p.category IS NOT NULL GROUP BY p.category`,
    [orderId],
    transaction,
  );
  return Object.fromEntries(rows.map((r) => [r.category, toSafeInt(r.amount_minor)]));
}

/**
 * debitAllowanceForOrder runs in an allowance order's payment transaction, after the order lock:
 * it locks the participant, checks the balance again (another order may have spent it since
 * placement), writes the debit posting `order-<id>-allowance` with its category subtotals, and
 * returns the funding account for the caller to debit (accounts lock after participants).
 * @throws DomainError, see api/orders/service.ts payOrder (allowance refusals).
 */
export async function debitAllowanceForOrder(
  db: Db,
  transaction: Transaction,
  order: OrderView,
): Promise<{ fundingAccountId: string }> {
  const read = await lockParticipantBalance(db, transaction, order.customerId);
  const categoryMinor = await orderCategoryMinor(db, transaction, order.id);
  const request = { currency: order.currency, totalMinor: order.totalMinor, categoryMinor };
  assertAllowanceCoversRequest(read.balance, request);
  await execute(
    db,
    `INSERT INTO allowance_postings (id, order_id, customer_id, program_id, kind, period_start, amount_minor, categories)
     VALUES ($1, $2, $3, $4, 'debit', $5, $6, $7::jsonb)`,
    [
      allowancePostingIds.debit(order.id),
      order.id,
      order.customerId,
      read.balance.programId,
      read.periodStart,
      order.totalMinor,
      JSON.stringify(categoryMinor),
    ],
    transaction,
  );
  return { fundingAccountId: read.fundingAccountId };
}

/**
 * restoreAllowanceForOrder runs in a PAID allowance order's cancellation, between the product and
 * account locks: it locks the participant and writes `order-<id>-allowance-restore`, a copy of the
 * debit's amount, categories and period, so the charged period gets it back. Exactly once, by
 * UNIQUE(order_id, kind) and the order's state machine. A missing debit is a broken invariant, so
 * it throws an Error rather than a refusal.
 */
export async function restoreAllowanceForOrder(
  db: Db,
  transaction: Transaction,
  order: OrderView,
): Promise<void> {
  await lockRows(
    db,
    transaction,
    'program_participants',
    'SELECT customer_id FROM program_participants WHERE customer_id = $1 FOR UPDATE',
    [order.customerId],
  );
  const restored = await execute<{ id: string }>(
    db,
    `INSERT INTO allowance_postings (id, order_id, customer_id, program_id, kind, period_start, amount_minor, categories)
     SELECT $2, order_id, customer_id, program_id, 'restore', period_start, amount_minor, categories
     FROM allowance_postings WHERE order_id = $1 AND kind = 'debit'
     RETURNING id`,
    [order.id, allowancePostingIds.restore(order.id)],
    transaction,
  );
  if (restored.length !== 1) throw new Error(`paid allowance order ${order.id} has no debit`);
}
