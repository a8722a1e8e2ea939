import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../tools/stack/local-stack';
import { balanceOf, expectLedgerConsistent, openWallet } from '../helpers/factories';
import { actor, call, useStack } from '../helpers/stack';
import { WorkerProcess } from '../../tools/worker-process';

const TASK_QUEUE = 'holdfast-metrics';

/** metricValue sums the samples of `name` whose labels include every `labels` pair. */
function metricValue(text: string, name: string, labels: Record<string, string>): number {
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith(`${name}{`) &&
        Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

describe('money-movement metrics and lock timeouts', () => {
  const provided = inject('stack');
  let worker: WorkerProcess;
  afterAll(() => worker?.stop());

  it('when a row lock outlasts lock_timeout and transfers race past zero, then the transfer retries and posts, and /metrics counts attempts, failures by reason, duration and lock wait, beside the SDK worker metrics', async () => {
    const [metricsPort, sdkMetricsPort] = [await freePort(), await freePort()];
    worker = new WorkerProcess({
      ...provided,
      taskQueue: TASK_QUEUE,
      metricsPort,
      env: { DB_LOCK_TIMEOUT: '300ms', TEMPORAL_SDK_METRICS_PORT: String(sdkMetricsPort) },
    });
    await worker.start();
    const stack = await useStack({ taskQueue: TASK_QUEUE });
    const staff = await actor('staff');
    const owner = await actor('customer');
    const from = await openWallet(stack, staff, owner, 1_000);
    const to = await openWallet(stack, staff, await actor('customer'), 0);

    // Hold the source account's row lock from another session for 1.5 s: the transfer's
    // FOR UPDATE hits lock_timeout (55P03), the activity retries with backoff, then posts.
    const blocker = await stack.db.sequelize.transaction();
    await stack.db.sequelize.query('SELECT id FROM accounts WHERE id = $1 FOR UPDATE', {
      bind: [from],
      transaction: blocker,
    });
    const blocked = call(stack, 'POST', '/v1/transfers', {
      token: owner.token,
      body: { fromAccountId: from, toAccountId: to, amountMinor: 100 },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await blocker.commit();
    expect((await blocked).status).toBe(201);

    const race = await Promise.all(
      Array.from({ length: 5 }, () =>
        call(stack, 'POST', '/v1/transfers', {
          token: owner.token,
          body: { fromAccountId: from, toAccountId: to, amountMinor: 800 },
        }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await balanceOf(stack, from)).toBe(100);

    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const tx = { tx: 'post_transfer' };
    expect(metricValue(text, 'holdfast_db_transaction_attempts_total', tx)).toBeGreaterThanOrEqual(
      7,
    );
    expect(
      metricValue(text, 'holdfast_db_transaction_failures_total', {
        ...tx,
        reason: 'lock_timeout',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(text, 'holdfast_db_transaction_failures_total', {
        ...tx,
        reason: 'insufficient_funds',
      }),
    ).toBe(4);
    expect(
      metricValue(text, 'holdfast_db_transaction_duration_seconds_count', {
        ...tx,
        outcome: 'committed',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      metricValue(text, 'holdfast_db_lock_wait_seconds_count', { table: 'accounts' }),
    ).toBeGreaterThanOrEqual(7);
    expect(
      metricValue(text, 'holdfast_db_lock_wait_seconds_sum', { table: 'accounts' }),
    ).toBeGreaterThan(0.25);
    const sdk = await (await fetch(`http://127.0.0.1:${sdkMetricsPort}/metrics`)).text();
    // Transfers post in a local activity, which the SDK measures on its own.
    expect(sdk).toMatch(/^temporal_local_activity_execution_latency/m);
    expect(sdk).toMatch(/^temporal_worker_task_slots_available/m);
    await expectLedgerConsistent(stack);
  }, 120_000);
});
