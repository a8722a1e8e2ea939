/*
 * The allowance-programme contract (SPEC.md §8), shared by the API, the activities and the
 * audit: a programme gives each participant an allowance per period with category sub-limits;
 * a pause and vouchers multiply what is available. Safe for workflow code: no I/O, no zod
 * (request schemas live in domain/allowances-schemas.ts).
 */

/** AllowancePeriod is how often a programme's allowance renews (UTC calendar weeks or months). */
export type AllowancePeriod = 'week' | 'month';

/** PauseView is a programme pause: while it runs, its multiplier applies to what is available. */
export interface PauseView {
  id: string;
  programId: string;
  name: string;
  startsAt: string;
  endsAt: string;
  multiplier: number;
}

/** CategoryBalanceView is one category sub-limit of a participant's balance, in minor units. */
export interface CategoryBalanceView {
  category: string;
  limitMinor: number;
  spentMinor: number;
  /** fullBalanceMinor is the raw sub-limit left: limitMinor − spentMinor, never below 0. */
  fullBalanceMinor: number;
  /** availableBalanceMinor is what may be spent now: ⌊limitMinor × multiplier⌋ − spentMinor, ≥ 0. */
  availableBalanceMinor: number;
}

/**
 * AllowanceBalanceView is a participant's balance in the current period (SPEC.md §8): the raw
 * (full) balance, the available balance with the pause's and the vouchers' multipliers applied,
 * and the same per category. Every refusal states the available balance, never the raw one.
 */
export interface AllowanceBalanceView {
  customerId: string;
  programId: string;
  currency: string;
  /** period is the current allowance period, [startsAt, endsAt) in ISO-8601 UTC. */
  period: { startsAt: string; endsAt: string };
  allowanceMinor: number;
  spentMinor: number;
  /** fullBalanceMinor is allowanceMinor − spentMinor, never below 0: the raw balance. */
  fullBalanceMinor: number;
  /** availableBalanceMinor is ⌊allowanceMinor × multiplier⌋ − spentMinor, never below 0. */
  availableBalanceMinor: number;
  /** multiplier is the active pause's multiplier times every active voucher's (1 when none). */
  multiplier: number;
  pause: { name: string; multiplier: number; startsAt: string; endsAt: string } | null;
  vouchers: { multiplier: number; count: number };
  categories: CategoryBalanceView[];
}
