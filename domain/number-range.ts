import { DomainError } from './errors';

/*
 * The number range of SPEC.md §1: every amount, price × quantity, total and balance stays
 * within ±(2^53 − 1) minor units, the integers JSON and JavaScript carry exactly. A request
 * whose result would leave that range is refused with 422 `amount_out_of_range` before
 * anything is written. Pure and free of zod, so workflow code may import it too.
 */

/** MINOR_UNITS_MAX is the largest magnitude of any amount or balance: 2^53 − 1 minor units. */
export const MINOR_UNITS_MAX = Number.MAX_SAFE_INTEGER;

/**
 * isInRange tells whether `valueMinor` is a whole number within ±MINOR_UNITS_MAX. Adding or
 * multiplying safe integers in floating point rounds monotonically, so a true result beyond
 * the range never comes out as a safe integer: checking each step's result is exact.
 */
export function isInRange(valueMinor: number): boolean {
  return Number.isSafeInteger(valueMinor);
}

/**
 * outOfRange is the refusal of a result beyond ±(2^53 − 1) minor units; `what` names the
 * quantity in the detail ("the order total"), `extra` adds problem+json members.
 */
export function outOfRange(what: string, extra: Record<string, unknown> = {}): DomainError {
  const subject = what.charAt(0).toUpperCase() + what.slice(1);
  return new DomainError(
    'amount_out_of_range',
    `${subject} would leave the range of ±(2^53 − 1) minor units`,
    { ...extra, limitMinor: MINOR_UNITS_MAX },
  );
}

/**
 * assertInRange returns `valueMinor` when it is within the range.
 * @throws DomainError `amount_out_of_range` (422) naming `what` otherwise (SPEC.md §1).
 */
export function assertInRange(valueMinor: number, what: string): number {
  if (!isInRange(valueMinor)) throw outOfRange(what);
  return valueMinor;
}

/** PricedLine is one priced line of an order or booking: unit price (minor units) × quantity. */
export interface PricedLine {
  priceMinor: number;
  quantity: number;
}

/**
 * totalOfLines is Σ priceMinor × quantity of `lines`, in minor units, checking every line
 * total and every partial sum against the range (an order, SPEC.md §4; seats × seat price
 * or nights × nightly rate, SPEC.md §6).
 * @throws DomainError `amount_out_of_range` (422) with `lineIndex` for the first line whose
 *   own total leaves the range, or without it when only the sum does.
 */
export function totalOfLines(lines: readonly PricedLine[], what = 'the total'): number {
  let totalMinor = 0;
  for (const [lineIndex, line] of lines.entries()) {
    const lineMinor = line.priceMinor * line.quantity;
    if (!isInRange(lineMinor)) throw outOfRange(`line ${lineIndex + 1}'s total`, { lineIndex });
    totalMinor += lineMinor;
    if (!isInRange(totalMinor)) throw outOfRange(what);
  }
  return totalMinor;
}

/** BalanceChange is how one posting moves an account: its balance and its pending debits. */
export interface BalanceChange {
  balanceMinor: number;
  pendingDebitsMinor: number;
  /** balanceDeltaMinor is the signed change of the balance (an entry's amount). */
  balanceDeltaMinor: number;
  /** pendingDeltaMinor is the signed change of the open holds (a hold placed or resolved). */
  pendingDeltaMinor: number;
}

/**
 * assertBalanceInRange checks that after a posting an account's balance, its pending debits
 * and its available money (balance − pending debits) all stay within the range; `what` names
 * the account in the detail ("an account of this transfer"). System accounts (`external`,
 * `revenue`, a programme's funding) are checked like any other (SPEC.md §1, §5).
 * @throws DomainError `amount_out_of_range` (422).
 */
export function assertBalanceInRange(change: BalanceChange, what: string): void {
  const balanceMinor = change.balanceMinor + change.balanceDeltaMinor;
  const pendingDebitsMinor = change.pendingDebitsMinor + change.pendingDeltaMinor;
  const inRange =
    isInRange(balanceMinor) &&
    isInRange(pendingDebitsMinor) &&
    isInRange(balanceMinor - pendingDebitsMinor);
  if (!inRange) throw outOfRange(`the balance of ${what}`);
}
