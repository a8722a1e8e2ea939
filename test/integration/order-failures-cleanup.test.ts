import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { execute, query } from '../../db/transaction';
import {
  ORDER_FAILURES_CLEANUP_SCHEDULE_ID,
  type OrderFailuresCleanupResult,
} from '../../domain/order-failures';
import { ensureOrderFailuresCleanupSchedule } from '../../lib/schedules';
import { orderFailuresCleanupWorkflow } from '../../workflows/order-failures';
import { runCleanup } from '../helpers/cleanup-cli';
import { waitFor } from '../helpers/factories';
import { useStack, type TestStack } from '../helpers/stack';

/*
 * Retention of the failed-attempt audit (SPEC.md §8): the daily Schedule the test setup
 * creates (as `npm run dev` and `npm run temporal:setup` do), the cleanup workflow it starts,
 * and `npm run cleanup`. Other test files share the database: assertions are on this file's own
 * customers' rows, except counts of rows due, which are at least ours. No other file writes
 * rows older than 10 days, so deleting every row past 90 days takes nobody else's.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await useStack();
});

/** insertAged writes one minimal failure row of `customerId`, `ageDays` days old, and returns its ID. */
async function insertAged(customerId: string, ageDays: number): Promise<string> {
  const id = randomUUID();
  await execute(
    stack.db,
    `INSERT INTO order_failures (id, customer_id, actor_id, code, http_status, detail, cart, created_at)
     VALUES ($1, $2, $2, 'insufficient_allowance', 409, 'refused', '{}'::jsonb,
             now() - make_interval(days => $3::int))`,
    [id, customerId, ageDays],
  );
  return id;
}

/** agesLeft lists the ages in days of `customerId`'s rows still there, ascending. */
async function agesLeft(customerId: string): Promise<number[]> {
  const rows = await query<{ age: number }>(
    stack.db,
    `SELECT extract(day FROM now() - created_at)::int AS age FROM order_failures
     WHERE customer_id = $1 ORDER BY age`,
    [customerId],
  );
  return rows.map((row) => row.age);
}

/** describeSchedule describes the cleanup Schedule. */
function describeSchedule() {
  return stack.temporal.schedule.getHandle(ORDER_FAILURES_CLEANUP_SCHEDULE_ID).describe();
}

describe('the order_failures cleanup Schedule', () => {
  it('when the stack is up, then the Schedule starts the cleanup workflow daily at 03:00 UTC with the configured retention', async () => {
    const schedule = await describeSchedule();

    expect(schedule.spec.calendars).toHaveLength(1);
    expect(schedule.spec.calendars![0]).toMatchObject({
      hour: [{ start: 3, end: 3 }],
      minute: [{ start: 0, end: 0 }],
      second: [{ start: 0, end: 0 }],
    });
    expect(schedule.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'orderFailuresCleanupWorkflow',
      taskQueue: stack.config.taskQueue,
      args: [{ olderThanDays: stack.config.orderFailureRetentionDays, batchSize: 1_000 }],
    });
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.state.paused).toBe(false);
    expect(schedule.info.nextActionTimes[0]!.toISOString()).toMatch(/T03:00:/);
  });

  it('when it is ensured again, then it is updated in place: one Schedule, the new action', async () => {
    const taskQueue = stack.config.taskQueue;
    const retentionDays = stack.config.orderFailureRetentionDays;
    const createdAt = (await describeSchedule()).info.createdAt;

    const changed = await ensureOrderFailuresCleanupSchedule(stack.temporal, {
      taskQueue,
      retentionDays: 30,
    });
    const afterChange = await describeSchedule();
    const restored = await ensureOrderFailuresCleanupSchedule(stack.temporal, {
      taskQueue,
      retentionDays,
    });
    const afterRestore = await describeSchedule();

    expect([changed, restored]).toEqual(['updated', 'updated']);
    expect(afterChange.action.args).toEqual([{ olderThanDays: 30, batchSize: 1_000 }]);
    expect(afterRestore.action.args).toEqual([{ olderThanDays: retentionDays, batchSize: 1_000 }]);
    expect(afterRestore.info.createdAt).toEqual(createdAt);
    const ids = async () => {
      const found: string[] = [];
      for await (const summary of stack.temporal.schedule.list({ pageSize: 100 })) {
        if (summary.scheduleId === ORDER_FAILURES_CLEANUP_SCHEDULE_ID)
          found.push(summary.scheduleId);
      }
      return found;
    };
    // Listing reads the visibility store, which may lag: wait until it lists the Schedule.
    expect(await waitFor(async () => (await ids()).length > 0, 10_000)).toBe(true);
    expect(await ids()).toHaveLength(1);
  });

  it('when the Schedule is triggered, then its run deletes rows past the retention and keeps the rest', async () => {
    const customerId = randomUUID();
    for (const ageDays of [10, 89, 91, 120]) await insertAged(customerId, ageDays);
    const handle = stack.temporal.schedule.getHandle(ORDER_FAILURES_CLEANUP_SCHEDULE_ID);
    const taken = (await handle.describe()).info.numActionsTaken;

    await handle.trigger();
    let workflowId: string | undefined;
    await waitFor(async () => {
      const info = (await handle.describe()).info;
      workflowId = info.recentActions.at(-1)?.action.workflow.workflowId;
      return info.numActionsTaken > taken;
    }, 15_000);
    expect(workflowId).toMatch(/^order-failures-cleanup-/);
    const result: OrderFailuresCleanupResult = await stack.temporal.workflow
      .getHandle(workflowId!)
      .result();

    expect(result.deleted).toBeGreaterThanOrEqual(2);
    expect(result.complete).toBe(true);
    expect(await agesLeft(customerId)).toEqual([10, 89]);
  });

  it('when more rows are due than one activity deletes, then the workflow calls it again until none is left', async () => {
    const customerId = randomUUID();
    for (let index = 0; index < 45; index += 1) await insertAged(customerId, 100);
    await insertAged(customerId, 5);

    // Batches of 1 row, 20 batches an activity: at least three activities.
    const result = await stack.temporal.workflow.execute(orderFailuresCleanupWorkflow, {
      workflowId: `order-failures-cleanup-test-${randomUUID()}`,
      taskQueue: stack.config.taskQueue,
      args: [{ olderThanDays: 90, batchSize: 1 }],
    });

    expect(result.deleted).toBeGreaterThanOrEqual(45);
    expect(result.complete).toBe(true);
    expect(await agesLeft(customerId)).toEqual([5]);
  });
});

describe('npm run cleanup', () => {
  it('when run with --dry-run, then it prints the count and a sample and deletes nothing; without it, it deletes them', async () => {
    const customerId = randomUUID();
    const oldIds = [await insertAged(customerId, 95), await insertAged(customerId, 400)];
    await insertAged(customerId, 5);

    const dry = await runCleanup(['--days', '90', '--dry-run']);

    expect(dry.code, dry.stderr).toBe(0);
    const due = Number(
      /dry run: (\d+) order_failures rows older than 90 days/.exec(dry.stdout)?.[1],
    );
    expect(due).toBeGreaterThanOrEqual(2);
    // The 400-day row is the oldest in the database: the sample (oldest first) shows it.
    expect(dry.stdout).toContain(`${oldIds[1]} ${customerId} insufficient_allowance`);
    expect(await agesLeft(customerId)).toEqual([5, 95, 400]);

    const real = await runCleanup(['--days', '90']);

    expect(real.code, real.stderr).toBe(0);
    const deleted = Number(/deleted (\d+) order_failures rows/.exec(real.stdout)?.[1]);
    expect(deleted).toBeGreaterThanOrEqual(2);
    expect(await agesLeft(customerId)).toEqual([5]);
  });

  it('when an argument is bad or unknown, then it prints the usage and exits 2', async () => {
    const runs = await Promise.all(
      [['--days', '0'], ['--days', 'x'], ['--days', '3651'], ['--bogus']].map(runCleanup),
    );

    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('usage: npm run cleanup');
    }
  });
});
