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
 * orderFailuresCleanupWorkflow applies the retention of the failed-attempt audit (SPEC.md §8):
 * it deletes `order_failures` rows older than `olderThanDays` days in bounded batches, calling
 * the `deleteOrderFailures` activity again while rows were left, at most
 * ORDER_FAILURES_CLEANUP_ROUNDS_MAX times (the next run goes on from there). The Schedule
 * `order-failures-cleanup` (lib/schedules.ts) starts it daily; it returns the total deleted,
 * the last cutoff, and whether it finished.
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
