import { DomainError } from '../domain/errors';
import {
  isAgeRetentionTable,
  isRetentionDays,
  isRetentionTable,
  RETENTION_ACTIVITY_BATCHES_MAX,
  RETENTION_DELETE_BATCH_SIZE_MAX,
  type PurgeRetentionResult,
  type RetentionInput,
} from '../domain/retention';
import type { Db } from '../db/connection';
import { purgeRetentionDue } from '../db/retention';

/*
 * The retention activity of SPEC.md §10 "Bounded storage": bounded batches of short DELETE
 * transactions over one table's due rows, safe to retry (deleting again finds fewer rows).
 */

/**
 * purgeRetention deletes the due rows of `input.table` (db/retention.ts says which; rows older
 * than `olderThanDays` for AGE_RETENTION_TABLES) in at most RETENTION_ACTIVITY_BATCHES_MAX batches
 * of `batchSize` rows, and returns the count and whether no due row was left (`complete`).
 * @throws DomainError `validation_failed` (422, not retried) for a table outside
 *   RETENTION_TABLES, a batch size outside 1–10 000, or an age-kept table without 1–3650 days.
 */
export async function purgeRetention(
  db: Db,
  input: Pick<RetentionInput, 'table' | 'batchSize' | 'olderThanDays'>,
): Promise<PurgeRetentionResult> {
  const { table, batchSize, olderThanDays } = input;
  if (!isRetentionTable(table))
    throw new DomainError('validation_failed', `${String(table)} has no retention rule`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > RETENTION_DELETE_BATCH_SIZE_MAX)
    throw new DomainError('validation_failed', `batchSize ${batchSize} is not 1–10000`);
  if (isAgeRetentionTable(table) && !isRetentionDays(olderThanDays))
    throw new DomainError('validation_failed', `olderThanDays of ${table} is not 1–3650`);
  const batchesMax = RETENTION_ACTIVITY_BATCHES_MAX;
  const deleted = await purgeRetentionDue(db, { table, batchSize, batchesMax, olderThanDays });
  return { deleted, complete: deleted < batchSize * batchesMax };
}
