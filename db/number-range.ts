import { outOfRange } from '../domain/number-range';
import type { DomainError } from '../domain/errors';
import { NUMBER_RANGE_CONSTRAINTS } from './migrations/0008_number_range';
import { pgCode } from './transaction';

/** RANGE_CONSTRAINTS are the CHECKs of 0008_number_range, by name. */
const RANGE_CONSTRAINTS: ReadonlySet<string> = new Set(NUMBER_RANGE_CONSTRAINTS);

/**
 * rangeRefusalOf maps PostgreSQL refusing a write with one of the number-range CHECKs
 * (SQLSTATE 23514 on a constraint of 0008_number_range) to the refusal the code's own checks
 * give, 422 `amount_out_of_range` (SPEC.md §1), so that the last line of defence is a
 * non-retryable refusal and never a 500 or an activity retried for ever. Undefined for any
 * other error.
 */
export function rangeRefusalOf(err: unknown): DomainError | undefined {
  if (pgCode(err) !== '23514') return undefined;
  const e = err as { original?: { constraint?: string }; parent?: { constraint?: string } };
  const constraint = e.original?.constraint ?? e.parent?.constraint;
  if (!constraint || !RANGE_CONSTRAINTS.has(constraint)) return undefined;
  return outOfRange('an amount or balance');
}
