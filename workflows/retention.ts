import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  RETENTION_ROUNDS_MAX,
  RETENTION_RUNS_MAX,
  type RetentionInput,
  type RetentionResult,
} from '../domain/retention';
import { DB_ACTIVITY_OPTIONS } from './kit';

const { purgeRetention } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/**
 * purgeInputOf is what each purgeRetention call gets: the table, the batch size, and the days
 * only when the input has them, so an idempotency_keys purge gets `{table, batchSize}` exactly.
 */
function purgeInputOf(
  input: RetentionInput,
): Pick<RetentionInput, 'table' | 'batchSize' | 'olderThanDays'> {
  const { table, batchSize, olderThanDays } = input;
  return olderThanDays === undefined ? { table, batchSize } : { table, batchSize, olderThanDays };
}

/**
 * retentionWorkflow applies one table's retention (SPEC.md §10 "Bounded storage"): it calls
 * `purgeRetention` while due rows were left, at most RETENTION_ROUNDS_MAX (or `roundsMax`) times a
 * run, then continues as new so no history grows long, up to RETENTION_RUNS_MAX runs per firing of
 * its Schedule `retention-<table>` (lib/schedules.ts), whose next firing goes on from there.
 * Returns the rows deleted, the runs taken and whether it finished.
 */
export async function retentionWorkflow(input: RetentionInput): Promise<RetentionResult> {
  const run = input.run ?? 1;
  const roundsMax = Math.max(
    1,
    Math.min(input.roundsMax ?? RETENTION_ROUNDS_MAX, RETENTION_ROUNDS_MAX),
  );
  let deleted = input.deletedBefore ?? 0;
  let complete = false;
  for (let round = 0; round < roundsMax && !complete; round += 1) {
    const purged = await purgeRetention(purgeInputOf(input));
    deleted += purged.deleted;
    complete = purged.complete;
  }
  if (!complete && run < RETENTION_RUNS_MAX) {
    await continueAsNew<typeof retentionWorkflow>({
      ...input,
      run: run + 1,
      deletedBefore: deleted,
    });
  }
  return { table: input.table, deleted, runs: run, complete };
}
