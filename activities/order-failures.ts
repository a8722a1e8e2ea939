import { DomainError } from '../domain/errors';
import {
  ORDER_FAILURES_ACTIVITY_BATCHES_MAX,
  ORDER_FAILURES_DELETE_BATCH_SIZE_MAX,
  RETENTION_DAYS_MAX,
  type OrderFailuresCleanupInput,
  type OrderFailuresCleanupResult,
} from '../domain/order-failures';
import type { Db } from '../db/connection';
import { deleteOrderFailuresOlderThan, orderFailureCutoff } from '../db/order-failures';

/*
 * The retention activity of the failed-attempt audit (SPEC.md §8 "Retention"): bounded
 * batches of short DELETE transactions, safe to retry (deleting again finds fewer rows).
 */

/**
 * deleteOrderFailures deletes `order_failures` rows older than `olderThanDays` days (cutoff on
 * the database's clock) in at most ORDER_FAILURES_ACTIVITY_BATCHES_MAX batches of `batchSize`
 * rows; `complete` says no older row was left, else orderFailuresCleanupWorkflow calls again.
 * @throws DomainError `validation_failed` (422, not retried): days outside 1–3650 or a batch
 * size outside 1–10 000.
 */
export async function deleteOrderFailures(
  db: Db,
  input: OrderFailuresCleanupInput,
): Promise<OrderFailuresCleanupResult> {
  const { olderThanDays, batchSize } = input;
  if (!Number.isInteger(olderThanDays) || olderThanDays < 1 || olderThanDays > RETENTION_DAYS_MAX)
    throw new DomainError('validation_failed', `olderThanDays ${olderThanDays} is not 1–3650`);
  if (
    !Number.isInteger(batchSize) ||
    batchSize < 1 ||
    batchSize > ORDER_FAILURES_DELETE_BATCH_SIZE_MAX
  )
    throw new DomainError('validation_failed', `batchSize ${batchSize} is not 1–10000`);
  const cutoff = await orderFailureCutoff(db, olderThanDays);
  const batchesMax = ORDER_FAILURES_ACTIVITY_BATCHES_MAX;
  const deleted = await deleteOrderFailuresOlderThan(db, { cutoff, batchSize, batchesMax });
  return { deleted, cutoff: cutoff.toISOString(), complete: deleted < batchSize * batchesMax };
}
