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
 * TTL in bounded batches, never one whose write may still run (SPEC.md §1), and the refused
 * order whose audit row keeps at most AUDIT_CART_MAX_BYTES of its body. Other test files share
 * the database and the purge deletes every due key: assertions are on this file's own subjects
 * (random UUIDs), and counts of deleted rows are at least ours.
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
    const handle = stack.temporal.schedule.getHandle(scheduleId);
    const taken = (await handle.describe()).info.numActionsTaken;

    await handle.trigger();
    let workflowId: string | undefined;
    await waitFor(async () => {
      const info = (await handle.describe()).info;
      workflowId = info.recentActions.at(-1)?.action.workflow.workflowId;
      return info.numActionsTaken > taken;
    }, 15_000);
    expect(workflowId).toMatch(/^retention-idempotency-keys-/);
    const result: RetentionResult = await stack.temporal.workflow.getHandle(workflowId!).result();

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
      [['--table', 'orders'], ['--table', 'idempotency_keys', '--days', '5'], ['--table']].map(
        runCleanup,
      ),
    );

    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('usage: npm run cleanup');
    }
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
