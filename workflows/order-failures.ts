import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  ORDER_FAILURES_CLEANUP_ROUNDS_MAX,
  type OrderFailuresCleanupInput,
  type OrderFailuresCleanupResult,
} from '../domain/order-failures';
import { DB_ACTIVITY_OPTIONS } from './kit';

const { deleteOrderFailures } = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);

/**
 * orderFailuresCleanupWorkflow applies the failed-attempt audit's retention (SPEC.md §8): it
 * calls `deleteOrderFailures` (rows older than `olderThanDays`, bounded batches) while rows were
 * left, at most ORDER_FAILURES_CLEANUP_ROUNDS_MAX times, and the next run goes on from there.
 * Started daily by the Schedule `order-failures-cleanup` (lib/schedules.ts); returns the total
 * deleted, the last cutoff and whether it finished.
 */
export async function orderFailuresCleanupWorkflow(
  input: OrderFailuresCleanupInput,
): Promise<OrderFailuresCleanupResult> {
  let deleted = 0;
  let last: OrderFailuresCleanupResult | undefined;
  for (let round = 0; round < ORDER_FAILURES_CLEANUP_ROUNDS_MAX && !last?.complete; round += 1) {
    last = await deleteOrderFailures(input);
    deleted += last.deleted;
  }
  return { ...last!, deleted };
}
