import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { purgeRetentionDue } from '../../db/retention';
import { execute, query } from '../../db/transaction';
import type { TruncatedCart } from '../../domain/order-failures-cart';
import { retentionScheduleId, type RetentionResult } from '../../domain/retention';
import { retentionWorkflow } from '../../workflows/retention';
import { runCleanup } from '../helpers/cleanup-cli';
import { waitFor } from '../helpers/factories';
import { actor, call, useStack, type TestStack } from '../helpers/stack';

/*
 * Bounded storage (SPEC.md §10): the hourly Schedule that purges Idempotency-Keys past their
 * TTL in bounded batches, never one whose write may still run (SPEC.md §1); the daily Schedules
 * that purge events and webhook deliveries older than EVENT_RETENTION_DAYS (SPEC.md §11); and
 * the refused order whose audit row keeps at most AUDIT_CART_MAX_BYTES of its body. Other test
 * files share the database and a purge deletes every due row: assertions are on this file's own
 * rows (random UUIDs), and counts of deleted rows are at least ours.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await useStack();
});

/** KeySeed is one idempotency_keys row: settled or not, and its times relative to now. */
interface KeySeed {
  key: string;
  settled: boolean;
  /** expiresInMs places expires_at (negative: in the past). */
  expiresInMs: number;
  /** lockedUntilInMs places locked_until (negative: a lease that ended); null: no lease. */
  lockedUntilInMs: number | null;
}

/** insertKeys writes `seeds` for `subject` straight in SQL, as the middleware leaves them. */
async function insertKeys(subject: string, seeds: KeySeed[]): Promise<void> {
  for (const seed of seeds) {
    await execute(
      stack.db,
      `INSERT INTO idempotency_keys (subject, key, fingerprint, status_code, response_body,
         response_content_type, locked_until, created_at, expires_at)
       VALUES ($1, $2, 'f', $3, $4, $5,
         now() + ($6::int * interval '1 millisecond'),
         now() - interval '25 hours',
         now() + ($7::int * interval '1 millisecond'))`,
      [
        subject,
        seed.key,
        seed.settled ? 201 : null,
        seed.settled ? '{}' : null,
        seed.settled ? 'application/json' : null,
        seed.lockedUntilInMs,
        seed.expiresInMs,
      ],
    );
  }
}

/** insertExpiredKeys writes `count` settled keys of `subject` that expired an hour ago. */
async function insertExpiredKeys(subject: string, count: number): Promise<void> {
  await execute(
    stack.db,
    `INSERT INTO idempotency_keys (subject, key, fingerprint, status_code, response_body,
       created_at, expires_at)
     SELECT $1, 'bulk-' || n, 'f', 200, '{}', now() - interval '25 hours', now() - interval '1 hour'
     FROM generate_series(1, $2::int) n`,
    [subject, count],
  );
}

/** keysLeft lists the keys of `subject` still stored, sorted. */
async function keysLeft(subject: string): Promise<string[]> {
  const rows = await query<{ key: string }>(
    stack.db,
    'SELECT key FROM idempotency_keys WHERE subject = $1 ORDER BY key',
    [subject],
  );
  return rows.map((row) => row.key);
}

const HOUR_MS = 60 * 60_000;

/** actionsTaken is how many workflows the Schedule `scheduleId` has started so far. */
async function actionsTaken(scheduleId: string): Promise<number> {
  return (await stack.temporal.schedule.getHandle(scheduleId).describe()).info.numActionsTaken;
}

/**
 * triggerRetention fires the Schedule `scheduleId` now, waits until it has started more than
 * `taken` workflows, and returns the last one's ID and result.
 */
async function triggerRetention(
  scheduleId: string,
  taken: number,
): Promise<{ workflowId: string | undefined; result: RetentionResult }> {
  const handle = stack.temporal.schedule.getHandle(scheduleId);
  await handle.trigger();
  let workflowId: string | undefined;
  await waitFor(async () => {
    const info = (await handle.describe()).info;
    workflowId = info.recentActions.at(-1)?.action.workflow.workflowId;
    return info.numActionsTaken > taken;
  }, 15_000);
  const result: RetentionResult = await stack.temporal.workflow.getHandle(workflowId!).result();
  return { workflowId, result };
}

/** MIXED_KEYS are one of each kind of key; the name says whether the purge may take it. */
const MIXED_KEYS: KeySeed[] = [
  { key: 'gone-settled-expired', settled: true, expiresInMs: -HOUR_MS, lockedUntilInMs: null },
  {
    key: 'gone-unsettled-lease-long-over',
    settled: false,
    expiresInMs: -HOUR_MS,
    lockedUntilInMs: -2 * HOUR_MS,
  },
  { key: 'kept-settled-live', settled: true, expiresInMs: 23 * HOUR_MS, lockedUntilInMs: null },
  {
    key: 'kept-in-flight-expired',
    settled: false,
    expiresInMs: -60_000,
    lockedUntilInMs: 30_000,
  },
  {
    key: 'kept-lease-just-over-expired',
    settled: false,
    expiresInMs: -HOUR_MS,
    lockedUntilInMs: -5 * 60_000,
  },
  {
    key: 'kept-unsettled-no-lease-expired',
    settled: false,
    expiresInMs: -HOUR_MS,
    lockedUntilInMs: null,
  },
  { key: 'kept-in-flight-live', settled: false, expiresInMs: HOUR_MS, lockedUntilInMs: 30_000 },
];

describe('the idempotency_keys retention Schedule', () => {
  const scheduleId = retentionScheduleId('idempotency_keys');

  it('when the stack is up, then the Schedule starts the retention workflow hourly for idempotency_keys', async () => {
    const schedule = await stack.temporal.schedule.getHandle(scheduleId).describe();

    expect(scheduleId).toBe('retention-idempotency-keys');
    expect(schedule.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
    expect(schedule.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'retentionWorkflow',
      taskQueue: stack.config.taskQueue,
      args: [{ table: 'idempotency_keys', batchSize: 1_000 }],
    });
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.state.paused).toBe(false);
  });

  it('when the Schedule is triggered, then settled keys past their TTL go and keys whose write may still run stay', async () => {
    const subject = randomUUID();
    await insertKeys(subject, MIXED_KEYS);
    const taken = await actionsTaken(scheduleId);

    const { workflowId, result } = await triggerRetention(scheduleId, taken);
    expect(workflowId).toMatch(/^retention-idempotency-keys-/);

    expect(result).toMatchObject({ table: 'idempotency_keys', complete: true });
    expect(result.deleted).toBeGreaterThanOrEqual(2);
    expect(await keysLeft(subject)).toEqual(
      MIXED_KEYS.map((seed) => seed.key)
        .filter((key) => key.startsWith('kept-'))
        .sort(),
    );
  });

  it('when a batch is asked for, then one DELETE removes at most its size', async () => {
    const subject = randomUUID();
    await insertExpiredKeys(subject, 30);

    const deleted = await purgeRetentionDue(stack.db, {
      table: 'idempotency_keys',
      batchSize: 7,
      batchesMax: 2,
    });

    expect(deleted).toBe(14);
    expect((await keysLeft(subject)).length).toBeGreaterThanOrEqual(16);
  });

  it('when more keys are due than one run deletes, then batches go on and the run continues as new until none is left', async () => {
    const subject = randomUUID();
    const live = randomUUID();
    await insertExpiredKeys(subject, 130);
    await insertKeys(live, [MIXED_KEYS[2]!, MIXED_KEYS[3]!]);

    // Batches of 5 rows, 20 an activity, one activity a run: 100 rows a run, so two runs.
    const result = await stack.temporal.workflow.execute(retentionWorkflow, {
      workflowId: `retention-test-${randomUUID()}`,
      taskQueue: stack.config.taskQueue,
      args: [{ table: 'idempotency_keys', batchSize: 5, roundsMax: 1 }],
    });

    expect(result.deleted).toBeGreaterThanOrEqual(130);
    expect(result.runs).toBeGreaterThanOrEqual(2);
    expect(result.complete).toBe(true);
    expect(await keysLeft(subject)).toEqual([]);
    expect(await keysLeft(live)).toEqual(['kept-in-flight-expired', 'kept-settled-live']);
  });
});

describe('npm run cleanup -- --table idempotency_keys', () => {
  it('when run with --dry-run, then it counts the due keys and deletes nothing; without it, it deletes them as the Schedule does', async () => {
    const subject = randomUUID();
    await insertKeys(subject, MIXED_KEYS);

    const dry = await runCleanup(['--table', 'idempotency_keys', '--dry-run']);

    expect(dry.code, dry.stderr).toBe(0);
    const due = Number(/dry run: (\d+) idempotency_keys rows are due/.exec(dry.stdout)?.[1]);
    expect(due).toBeGreaterThanOrEqual(2);
    expect(await keysLeft(subject)).toHaveLength(MIXED_KEYS.length);

    const real = await runCleanup(['--table', 'idempotency_keys']);

    expect(real.code, real.stderr).toBe(0);
    expect(Number(/deleted (\d+) idempotency_keys rows/.exec(real.stdout)?.[1])).toBeGreaterThan(1);
    expect((await keysLeft(subject)).every((key) => key.startsWith('kept-'))).toBe(true);
    expect(await keysLeft(subject)).toHaveLength(5);
  });

  it('when the table is unknown or given --days, then it prints the usage and exits 2', async () => {
    const runs = await Promise.all(
      [
        ['--table', 'orders'],
        ['--table', 'idempotency_keys', '--days', '5'],
        ['--table', 'events', '--days', '0'],
        ['--table'],
      ].map(runCleanup),
    );

    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('usage: npm run cleanup');
    }
  });
});

/** AGES_DAYS are the ages this file gives events and deliveries; the name says which go at 30 days. */
const AGES_DAYS = { gone: 31, goneLongAgo: 400, kept: 29, keptNew: 0 } as const;

/** AgedRows are one event and one delivery of each age of AGES_DAYS, by name. */
type AgedRows = Record<keyof typeof AGES_DAYS, string>;

/**
 * insertAgedEvents writes one `events` row per age of AGES_DAYS (as `occurred_at`) straight in
 * SQL, of a type no endpoint subscribes to so no dispatcher delivers it, and returns their ids.
 */
async function insertAgedEvents(ages: Record<string, number> = AGES_DAYS): Promise<AgedRows> {
  const ids: Record<string, string> = {};
  const subject = randomUUID();
  for (const [index, [name, days]] of Object.entries(ages).entries()) {
    ids[name] = randomUUID();
    await execute(
      stack.db,
      `INSERT INTO events (id, type, subject_type, subject_id, sequence, data, occurred_at)
       VALUES ($1, 'retention.test', 'retention_test', $2, $3, '{}',
         now() - ($4::int * interval '1 day') - interval '1 minute')`,
      [ids[name], subject, index + 1, days],
    );
  }
  return ids as AgedRows;
}

/**
 * insertAgedDeliveries writes a disabled webhook endpoint and one `webhook_deliveries` row of
 * it per age of AGES_DAYS (as `created_at`) straight in SQL, and returns the deliveries' ids.
 */
async function insertAgedDeliveries(ages: Record<string, number> = AGES_DAYS): Promise<AgedRows> {
  const endpoint = randomUUID();
  await execute(
    stack.db,
    `INSERT INTO webhook_endpoints (id, url, types, created_by, secret, disabled)
     VALUES ($1, 'https://retention.invalid/hook', ARRAY['order.paid'], $2, 'whsec_test', true)`,
    [endpoint, randomUUID()],
  );
  const ids: Record<string, string> = {};
  for (const [name, days] of Object.entries(ages)) {
    ids[name] = randomUUID();
    await execute(
      stack.db,
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, created_at)
       VALUES ($1, $2, $3, 'delivered', 1,
         now() - ($4::int * interval '1 day') - interval '1 minute')`,
      [ids[name], endpoint, randomUUID(), days],
    );
  }
  return ids as AgedRows;
}

/** namesLeft lists the names of `rows` whose id is still in `table`, sorted. */
async function namesLeft(
  table: 'events' | 'webhook_deliveries',
  rows: AgedRows,
): Promise<string[]> {
  const found = await query<{ id: string }>(
    stack.db,
    `SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`,
    [Object.values(rows)],
  );
  const ids = new Set(found.map((row) => row.id));
  return Object.entries(rows)
    .filter(([, id]) => ids.has(id))
    .map(([name]) => name)
    .sort();
}

/** AGE_TABLES are the tables kept EVENT_RETENTION_DAYS, each with its rows' seeding and time. */
const AGE_TABLES = [
  { table: 'events', insert: insertAgedEvents, minute: 20 },
  { table: 'webhook_deliveries', insert: insertAgedDeliveries, minute: 40 },
] as const;

describe.each(AGE_TABLES)('the $table retention Schedule', ({ table, insert, minute }) => {
  const scheduleId = retentionScheduleId(table);

  it('when the stack is up, then the Schedule starts the retention workflow daily with EVENT_RETENTION_DAYS', async () => {
    const schedule = await stack.temporal.schedule.getHandle(scheduleId).describe();

    expect(scheduleId).toBe(`retention-${table.replace('_', '-')}`);
    expect(stack.config.eventRetentionDays).toBe(30);
    expect(schedule.spec.calendars).toMatchObject([
      { hour: [{ start: 3 }], minute: [{ start: minute }] },
    ]);
    expect(schedule.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'retentionWorkflow',
      taskQueue: stack.config.taskQueue,
      args: [{ table, batchSize: 1_000, olderThanDays: 30 }],
    });
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.state.paused).toBe(false);
  });

  it('when the Schedule is triggered, then rows older than EVENT_RETENTION_DAYS go and younger ones stay', async () => {
    const rows = await insert();
    const taken = await actionsTaken(scheduleId);

    const { workflowId, result } = await triggerRetention(scheduleId, taken);

    expect(workflowId?.startsWith(`${scheduleId}-`)).toBe(true);
    expect(result).toMatchObject({ table, complete: true });
    expect(result.deleted).toBeGreaterThanOrEqual(2);
    expect(await namesLeft(table, rows)).toEqual(['kept', 'keptNew']);
  });

  it('when the workflow is started with other days, then those days decide, in batches', async () => {
    const rows = await insert({ gone: 8, goneLongAgo: 9, kept: 6, keptNew: 0 });

    const result = await stack.temporal.workflow.execute(retentionWorkflow, {
      workflowId: `retention-test-${randomUUID()}`,
      taskQueue: stack.config.taskQueue,
      args: [{ table, batchSize: 1, olderThanDays: 7, roundsMax: 1 }],
    });

    expect(result.complete).toBe(true);
    expect(result.deleted).toBeGreaterThanOrEqual(2);
    expect(await namesLeft(table, rows)).toEqual(['kept', 'keptNew']);
  });

  it('when no days are given, then the purge refuses to guess', async () => {
    await expect(
      purgeRetentionDue(stack.db, { table, batchSize: 10, batchesMax: 1 }),
    ).rejects.toThrow(/not 1-3650 days/);
  });
});

describe.each(AGE_TABLES)('npm run cleanup -- --table $table', ({ table, insert }) => {
  it('when run with --dry-run, then it counts the rows older than EVENT_RETENTION_DAYS and deletes nothing; without it, it deletes them', async () => {
    const rows = await insert();

    const dry = await runCleanup(['--table', table, '--dry-run']);

    expect(dry.code, dry.stderr).toBe(0);
    const due = new RegExp(`dry run: (\\d+) ${table} rows are due \\(older than 30 days\\)`);
    expect(Number(due.exec(dry.stdout)?.[1])).toBeGreaterThanOrEqual(2);
    expect(await namesLeft(table, rows)).toHaveLength(4);

    const real = await runCleanup(['--table', table]);

    expect(real.code, real.stderr).toBe(0);
    const deleted = new RegExp(`deleted (\\d+) ${table} rows past their retention`);
    expect(Number(deleted.exec(real.stdout)?.[1])).toBeGreaterThanOrEqual(2);
    expect(await namesLeft(table, rows)).toEqual(['kept', 'keptNew']);
  });

  it('when given --days, then rows older than that go instead', async () => {
    const rows = await insert({ gone: 11, goneLongAgo: 12, kept: 9, keptNew: 0 });

    const run = await runCleanup(['--table', table, '--days', '10']);

    expect(run.code, run.stderr).toBe(0);
    expect(await namesLeft(table, rows)).toEqual(['kept', 'keptNew']);
  });
});

describe('the audit of a refused order with a large body', () => {
  it('when a refused body is larger than AUDIT_CART_MAX_BYTES, then its row keeps at most that much, truncated', async () => {
    const buyer = await actor('customer');
    const body = { lines: [{ productId: 'not-a-uuid', quantity: 1 }], note: 'é'.repeat(20_000) };

    const res = await call(stack, 'POST', '/v1/orders', { token: buyer.token, body });

    expect(res.status).toBe(422);
    const [row] = await query<{ cart: TruncatedCart; stored: number }>(
      stack.db,
      `SELECT cart, octet_length(cart::text) AS stored FROM order_failures WHERE customer_id = $1`,
      [buyer.sub],
    );
    expect(stack.config.auditCartMaxBytes).toBe(8_192);
    expect(row!.stored).toBeLessThanOrEqual(8_192);
    expect(row!.stored).toBeGreaterThan(8_000);
    expect(row!.cart.truncated).toBe(true);
    expect(row!.cart.bytes).toBe(Buffer.byteLength(JSON.stringify(body)));
    expect(JSON.stringify(body).startsWith(row!.cart.head)).toBe(true);
  });

  it('when a refused body holds NUL characters, then its row is written without them', async () => {
    const buyer = await actor('customer');
    const rawBody = '{"lines":[{"productId":"x\\u0000y","quantity":1}],"a\\u0000":"\\u0000"}';

    const res = await call(stack, 'POST', '/v1/orders', { token: buyer.token, rawBody });

    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const [row] = await query<{ cart: unknown }>(
      stack.db,
      'SELECT cart FROM order_failures WHERE customer_id = $1',
      [buyer.sub],
    );
    expect(row!.cart).toEqual({ lines: [{ productId: 'xy', quantity: 1 }], a: '' });
  });
});
