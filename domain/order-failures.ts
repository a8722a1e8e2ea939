import type { AllowanceBalanceView, CategoryBalanceView } from './allowances';
import type { ErrorCode } from './errors';

/*
 * The failed-attempt audit contract (SPEC.md §8 "Failed-attempt audit", "Retention"): what the
 * order gate hands over for one refused submission, the staff API's shapes, and the retention
 * cleanup's input, result and Schedule. Safe for workflow code: no I/O, no zod (request
 * schemas live in domain/order-failures-schemas.ts).
 */

/** ValidationErrorEntry is one reason a submission was refused: a machine code and its text. */
export interface ValidationErrorEntry {
  code: string;
  message: string;
}

/**
 * OrderFailureRecord is one refused order submission, as insertOrderFailure writes it into one
 * `order_failures` row. `code`/`httpStatus` are the refusal's SPEC code and 4xx status (the
 * table's CHECK); `cart` is the submitted cart as sent (any JSON); `balance` is the customer's
 * allowance balance when it was read (allowance orders), else null; it fills the balance, pause
 * and voucher columns.
 */
export interface OrderFailureRecord {
  customerId: string;
  /** actorId is the acting user (`sub`): the customer, or staff acting for them. */
  actorId: string;
  /** orderId is the order the submission named (Idempotency-Key derived), if any. */
  orderId: string | null;
  code: ErrorCode;
  httpStatus: number;
  detail: string;
  errors: ValidationErrorEntry[];
  cart: unknown;
  cartHash: string | null;
  idempotencyKey: string | null;
  paymentMethod: string | null;
  balance: AllowanceBalanceView | null;
  ip: string | null;
  userAgent: string | null;
}

/**
 * OrderFailureBalancesView are the balances a refused allowance submission saw, in minor units:
 * the raw (full) balance, the available one with multipliers applied, and per category.
 */
export interface OrderFailureBalancesView {
  fullBalanceMinor: number;
  availableBalanceMinor: number;
  categories: CategoryBalanceView[];
}

/**
 * OrderFailureView is the API shape of one `order_failures` row (GET /v1/admin/order-failures,
 * SPEC.md §8): camelCase, `createdAt` ISO-8601 UTC. `balances` is null when no allowance
 * balance was read; `pause.active` is false (name and multiplier null) when no pause ran, and
 * `vouchers` is `{multiplier: null, count: 0}` without a balance.
 */
export interface OrderFailureView {
  id: string;
  customerId: string;
  actorId: string;
  orderId: string | null;
  code: string;
  httpStatus: number;
  detail: string;
  errors: ValidationErrorEntry[];
  cart: unknown;
  cartHash: string | null;
  idempotencyKey: string | null;
  paymentMethod: string | null;
  balances: OrderFailureBalancesView | null;
  pause: { active: boolean; name: string | null; multiplier: number | null };
  vouchers: { multiplier: number | null; count: number };
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
}

/**
 * BALANCE_RELATED_CODES are the refusals caused by a balance: the allowance, a category
 * sub-limit, or the wallet. Analytics counts them as `balanceRelatedFailures` (SPEC.md §8).
 */
export const BALANCE_RELATED_CODES = [
  'insufficient_allowance',
  'category_limit_exceeded',
  'insufficient_funds',
] as const satisfies readonly ErrorCode[];

/** ANALYTICS_TOP_MAX bounds `topErrors` and `topCustomers` (SPEC.md §8: 10). */
export const ANALYTICS_TOP_MAX = 10;

/** ANALYTICS_DAYS_MAX bounds the analytics window, in days (1–365, default 7). */
export const ANALYTICS_DAYS_MAX = 365;

/**
 * OrderFailureAnalyticsView answers GET /v1/admin/order-failures/analytics (SPEC.md §8) over
 * `days` UTC dates to now (`since` = 00:00 UTC, days − 1 before today). `failures` = audit rows,
 * `attempts` = failures + orders created, `failureRate` = failures / attempts to 4 decimals (0 if
 * none). `topErrors`/`topCustomers`: ten largest, ties ascending; `daily`: every date oldest
 * first, zeros included (YYYY-MM-DD). `customerId` is the filter, or null for all.
 */
export interface OrderFailureAnalyticsView {
  days: number;
  since: string;
  customerId: string | null;
  attempts: number;
  failures: number;
  failureRate: number;
  topErrors: { code: string; count: number }[];
  daily: { date: string; failures: number }[];
  topCustomers: { customerId: string; failures: number }[];
  balanceRelatedFailures: number;
}

/** ORDER_FAILURES_CLEANUP_SCHEDULE_ID names the Temporal Schedule of the daily cleanup. */
export const ORDER_FAILURES_CLEANUP_SCHEDULE_ID = 'order-failures-cleanup';

/** ORDER_FAILURES_DELETE_BATCH_SIZE is how many rows one DELETE statement removes at most. */
export const ORDER_FAILURES_DELETE_BATCH_SIZE = 1_000;

/** ORDER_FAILURES_DELETE_BATCH_SIZE_MAX bounds a caller's batch size. */
export const ORDER_FAILURES_DELETE_BATCH_SIZE_MAX = 10_000;

/**
 * ORDER_FAILURES_ACTIVITY_BATCHES_MAX bounds the DELETE batches of one cleanup activity, so
 * an activity stays well inside DB_ACTIVITY_OPTIONS' 10 s start-to-close timeout.
 */
export const ORDER_FAILURES_ACTIVITY_BATCHES_MAX = 20;

/**
 * ORDER_FAILURES_CLEANUP_ROUNDS_MAX bounds the activities one cleanup run calls: a run
 * removes at most ROUNDS × ACTIVITY_BATCHES × batch size rows, and the next day's run goes on.
 */
export const ORDER_FAILURES_CLEANUP_ROUNDS_MAX = 50;

/** RETENTION_DAYS_MAX bounds a retention, in days (ORDER_FAILURE_RETENTION_DAYS: 1–3650). */
export const RETENTION_DAYS_MAX = 3_650;

/**
 * OrderFailuresCleanupInput starts orderFailuresCleanupWorkflow and is the input of its
 * `deleteOrderFailures` activity: delete rows older than `olderThanDays` days (whole days,
 * 1–3650; ORDER_FAILURE_RETENTION_DAYS) in batches of `batchSize` rows (1–10 000).
 */
export interface OrderFailuresCleanupInput {
  olderThanDays: number;
  batchSize: number;
}

/**
 * OrderFailuresCleanupResult is what a cleanup deleted: the row count, the `cutoff` (ISO-8601;
 * rows created before it went), and whether it finished (`complete`: no older row was left
 * when it stopped, as far as its last batch saw).
 */
export interface OrderFailuresCleanupResult {
  deleted: number;
  cutoff: string;
  complete: boolean;
}
