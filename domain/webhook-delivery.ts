import { defineSignal } from '@temporalio/workflow';

/*
 * The retry rule of webhook deliveries (SPEC.md §11): exponential backoff from
 * WEBHOOK_BACKOFF_BASE, doubling per attempt, capped at WEBHOOK_BACKOFF_MAX. Pure.
 */

/**
 * retryDelayMs is the wait before the attempt after `attemptsMade` failed ones (1-based):
 * base, 2 × base, 4 × base …, at most `backoffMaxMs`.
 */
export function retryDelayMs(
  attemptsMade: number,
  config: { backoffBaseMs: number; backoffMaxMs: number },
): number {
  const doublings = Math.min(Math.max(attemptsMade - 1, 0), 40);
  return Math.min(config.backoffBaseMs * 2 ** doublings, config.backoffMaxMs);
}

/** wakeDispatcherSignal makes an endpoint's dispatcher pass now (a redelivery, a re-enable). */
export const wakeDispatcherSignal = defineSignal('wake');

/**
 * webhookTaskQueueOf is the task queue of the dispatchers beside holdfast's `taskQueue`: their
 * own pollers and slots, so a dispatcher's tasks never queue behind the new order workflows of
 * a saturating load (on a shared queue its first task waited 12.8 s; docs/performance.md).
 */
export function webhookTaskQueueOf(taskQueue: string): string {
  return `${taskQueue}-webhooks`;
}

/** WEBHOOK_POLL_MS is how often an idle dispatcher looks for new events (first attempt ≤ 5 s). */
export const WEBHOOK_POLL_MS = 1_000;

/** WEBHOOK_PASSES_PER_RUN bounds a dispatcher run's passes before it continues as new. */
export const WEBHOOK_PASSES_PER_RUN = 200;
