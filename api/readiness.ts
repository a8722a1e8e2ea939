import { optionalTsToMs } from '@temporalio/common/lib/time.js';
import type { Context } from 'hono';
import { pingDb } from '../db/connection';
import { problemResponse } from './middleware/errors';
import type { ApiDeps } from './router';

/*
 * GET /readyz (SPEC.md §9): whether this API process should be sent requests now. It should
 * not while it drains on SIGTERM, nor when a request could not be served: PostgreSQL or
 * Temporal unreachable, or no worker polling the task queue (a write would wait on its
 * workflow until REQUEST_TIMEOUT and answer 503 anyway).
 */

/** ApiLifecycle is the running API's own state, set by api/server.ts. */
export interface ApiLifecycle {
  /** draining turns true on SIGTERM: /readyz answers 503 while in-flight requests finish. */
  draining: boolean;
}

/** READINESS_TIMEOUT_MS bounds each readiness check, so a probe gets its answer in time. */
export const READINESS_TIMEOUT_MS = 2_000;

/**
 * POLLER_SEEN_MAX_AGE_MS is how recently a worker must have polled the workflow task queue to
 * count. The server records a poller when its long poll arrives, and an idle worker's poll waits
 * up to a minute (Temporal's long-poll expiry) before it polls again: two of those is "recent".
 * The server itself forgets pollers only after five minutes.
 */
export const POLLER_SEEN_MAX_AGE_MS = 2 * 60_000;

/** TASK_QUEUE_KIND_NORMAL and TASK_QUEUE_TYPE_WORKFLOW are Temporal API enum values (v1). */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/** Readiness is what /readyz reports per dependency. */
export interface Readiness {
  postgres: 'ok' | 'unreachable';
  temporal: 'ok' | 'unreachable';
  /** workers: 'polling' when a worker polled the task queue recently; 'unknown' without Temporal. */
  workers: 'polling' | 'none' | 'unknown';
}

/**
 * readiness answers 200 `{status: 'ready', postgres, temporal, workers}` when PostgreSQL and
 * Temporal answer within READINESS_TIMEOUT_MS and a worker polled config.taskQueue within
 * POLLER_SEEN_MAX_AGE_MS; else 503 `unavailable` naming what is missing (`draining: true` once
 * the API drains). The time bound is there because the Temporal client's own retries would hold
 * a probe about 20 s against a server that is down.
 */
export async function readiness(
  c: Context,
  deps: ApiDeps,
  lifecycle: ApiLifecycle,
): Promise<Response> {
  if (lifecycle.draining) {
    return problemResponse('unavailable', 'The API is shutting down', { draining: true });
  }
  const deadlineMs = Date.now() + READINESS_TIMEOUT_MS;
  const [postgres, systemInfo, pollerSeenMs] = await Promise.allSettled([
    pingDb(deps.db),
    deps.temporal.withDeadline(deadlineMs, () => deps.temporal.workflowService.getSystemInfo({})),
    deps.temporal.withDeadline(deadlineMs, () => lastPollMs(deps)),
  ]);
  const temporal = systemInfo.status === 'fulfilled' ? 'ok' : 'unreachable';
  const state: Readiness = {
    postgres: postgres.status === 'fulfilled' ? 'ok' : 'unreachable',
    temporal,
    workers: workersOf(temporal, pollerSeenMs),
  };
  if (state.postgres === 'ok' && state.temporal === 'ok' && state.workers === 'polling') {
    return c.json({ status: 'ready', ...state });
  }
  const detail =
    state.postgres === 'ok' && state.temporal === 'ok'
      ? `No worker polls the task queue ${deps.config.taskQueue}`
      : 'A dependency is unreachable';
  return problemResponse('unavailable', detail, { ...state });
}

/** workersOf reads the poller check: unknown when Temporal or the check itself did not answer. */
function workersOf(
  temporal: Readiness['temporal'],
  pollerSeenMs: PromiseSettledResult<number | undefined>,
): Readiness['workers'] {
  if (temporal !== 'ok' || pollerSeenMs.status !== 'fulfilled') return 'unknown';
  const seenMs = pollerSeenMs.value;
  return seenMs !== undefined && Date.now() - seenMs <= POLLER_SEEN_MAX_AGE_MS ? 'polling' : 'none';
}

/**
 * lastPollMs is when a worker last polled the workflow task queue (epoch ms), from Temporal's
 * DescribeTaskQueue; undefined when the server knows no poller.
 */
async function lastPollMs(deps: ApiDeps): Promise<number | undefined> {
  const described = await deps.temporal.workflowService.describeTaskQueue({
    namespace: deps.config.temporalNamespace,
    taskQueue: { name: deps.config.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
  });
  const seen = (described.pollers ?? [])
    .map((poller) => optionalTsToMs(poller.lastAccessTime))
    .filter((ms): ms is number => ms !== undefined);
  return seen.length === 0 ? undefined : Math.max(...seen);
}
