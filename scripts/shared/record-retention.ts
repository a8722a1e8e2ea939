import { randomUUID } from 'node:crypto';
import { execute } from '../../db/transaction';
import type { TestStack } from '../../tools/app';
import { orderFailuresCleanupWorkflow } from '../../workflows/order-failures';
import { retentionWorkflow } from '../../workflows/retention';

/*
 * The retention workflows' recordings for `npm run histories:record` (SPEC.md §10 "Bounded
 * storage"): what the Schedules start, run once against rows made due for the recording.
 */

/** DUE_KEYS is one more than a purge activity deletes in batches of two (20 batches). */
const DUE_KEYS = 41;

/** RetentionRecording is one history to write: its file name and the run it records. */
export interface RetentionRecording {
  name: string;
  workflowId: string;
  runId?: string;
}

/**
 * runRetention records the idempotency-key retention over DUE_KEYS due keys in batches of two,
 * one purge activity a run: the first run deletes 40 and continues as new
 * (`retention-continued`), the second deletes the last (`retention-completed`); and the
 * order-failures cleanup with nothing due (`order-failures-cleanup`).
 */
export async function runRetention(stack: TestStack): Promise<RetentionRecording[]> {
  const subject = randomUUID();
  await execute(
    stack.db,
    `INSERT INTO idempotency_keys (subject, key, fingerprint, status_code, response_body,
       created_at, expires_at)
     SELECT $1, 'recorded-' || n, 'f', 200, '{}', now() - interval '25 hours', now() - interval '1 hour'
     FROM generate_series(1, $2::int) n`,
    [subject, DUE_KEYS],
  );
  const retentionId = `retention-recorded-${randomUUID()}`;
  const retention = await stack.temporal.workflow.start(retentionWorkflow, {
    workflowId: retentionId,
    taskQueue: stack.config.taskQueue,
    args: [{ table: 'idempotency_keys', batchSize: 2, roundsMax: 1 }],
  });
  await retention.result();
  const cleanupId = `order-failures-cleanup-recorded-${randomUUID()}`;
  await stack.temporal.workflow.execute(orderFailuresCleanupWorkflow, {
    workflowId: cleanupId,
    taskQueue: stack.config.taskQueue,
    args: [{ olderThanDays: 3650, batchSize: 100 }],
  });
  return [
    { name: 'retention-continued', workflowId: retentionId, runId: retention.firstExecutionRunId },
    { name: 'retention-completed', workflowId: retentionId },
    { name: 'order-failures-cleanup', workflowId: cleanupId },
  ];
}
