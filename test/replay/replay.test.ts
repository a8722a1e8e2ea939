import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');

/** loadHistories reads every recorded history with its real workflowId. */
async function loadHistories() {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(
        await readFile(path.join(HISTORIES_DIR, file), 'utf8'),
      );
      return { file, workflowId: workflowId as string, history: historyFromJSON(history) };
    }),
  );
}

describe('workflow replay (determinism guard for deploys)', () => {
  it('then every recorded history replays against the current workflow code without a non-determinism error', async () => {
    const histories = await loadHistories();
    expect(histories.map((h) => h.file)).toEqual(
      expect.arrayContaining([
        'order-gated-paid-fulfilled.json',
        'order-gated-expired.json',
        'order-gated-cancelled-after-pay.json',
        'order-gate-accepted.json',
        'order-gate-throttled.json',
        'order-gate-backoff.json',
        'order-gate-continued-as-new.json',
        'order-payment.json',
        'order-payment-activity.json',
        'transfer-deposit.json',
        'transfer-refused.json',
        'hold-posted-for-less.json',
        'hold-voided-by-timer.json',
        'hold-refused.json',
        'staff-payment-completed.json',
        'booking-confirmed-completed.json',
        'booking-expired.json',
        'booking-cancelled-after-confirm.json',
        'booking-refused.json',
        'booking-payment.json',
        'booking-payment-activity.json',
        'payment-request-approved-paid.json',
        'payment-request-rejected.json',
        'payment-request-expired.json',
        'payment-request-expired-at-expires-at.json',
        'payment-request-payout-failed.json',
        'order-gated-paid-at-placement.json',
        'order-gated-paid-fulfilled-activity-writes.json',
        'order-gated-expired-activity-writes.json',
        'order-gated-cancelled-after-pay-activity-writes.json',
        'order-gated-paid-at-placement-activity-writes.json',
        'retention-continued.json',
        'retention-completed.json',
        'order-failures-cleanup.json',
      ]),
    );

    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('stack').workflowBundlePath } },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    )) {
      results.push({
        workflowId: result.workflowId,
        error: result.error ? String(result.error) : undefined,
      });
    }

    expect(results).toHaveLength(histories.length);
    expect(results.filter((r) => r.error)).toEqual([]);
  });

  it('then the workflow bundle holds no zod: request schemas stay out of workflow code', async () => {
    // The worker instantiates a workflow's modules for every new run; building zod schemas
    // there cost more CPU per order than the rest of the workflow (issue 7, the bench profile).
    const bundle = await readFile(inject('stack').workflowBundlePath, 'utf8');
    expect(bundle).toContain('orderWorkflow');
    expect(bundle).not.toMatch(/node_modules\/zod\//);
  });
});
