import { condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DispatchInput } from '../activities/webhooks';
import {
  WEBHOOK_PASSES_PER_RUN,
  WEBHOOK_POLL_MS,
  wakeDispatcherSignal,
} from '../domain/webhook-delivery';
import { DB_ACTIVITY_OPTIONS } from './kit';

const { dispatchWebhooks } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: DB_ACTIVITY_OPTIONS.retry,
});

/**
 * webhookDispatcherWorkflow (`webhook-endpoint-<id>`) delivers one endpoint's events (SPEC.md
 * §11) without a workflow per event: each pass queues new events and attempts the due
 * deliveries; between passes a timer waits until the next retry is due or WEBHOOK_POLL_MS.
 * It ends when the endpoint is deleted or disabled, and continues as new every few hundred passes.
 */
export async function webhookDispatcherWorkflow(input: DispatchInput): Promise<void> {
  let after = input.after;
  let woken = false;
  setHandler(wakeDispatcherSignal, () => {
    woken = true;
  });
  for (let pass = 0; pass < WEBHOOK_PASSES_PER_RUN; pass += 1) {
    const result = await dispatchWebhooks({ endpointId: input.endpointId, after });
    if (result.stop) return;
    after = result.after;
    if (result.more) continue;
    const waitMs = Math.min(WEBHOOK_POLL_MS, result.nextDueInMs ?? WEBHOOK_POLL_MS);
    if (waitMs > 0 && !woken) await condition(() => woken, waitMs);
    woken = false;
  }
  await continueAsNew<typeof webhookDispatcherWorkflow>({ endpointId: input.endpointId, after });
}
