import type { Db } from '../../db/connection';
import { placeBacklog, type BacklogItem } from './backlog';
import { sleep } from '../process';
import type { ChaosClient } from './client';
import { LONG_FAULT_KINDS, type FaultKind, type FaultLog } from './fault-log';
import type { FaultInjector } from './faults';
import type { Anomalies } from './model';
import { checkReleased, type ReleaseCheck } from './release';
import type { BacklogWorld } from './seed';
import type { ChaosStack } from './stack';
import type { WorkloadContext } from './workload';

/** LongFaultKind is one fault of the long run. */
export type LongFaultKind = (typeof LONG_FAULT_KINDS)[number];

/**
 * LONG_HOLD_MS is each long fault's downtime at scale 1 (issue 17 item 8): PostgreSQL 3 and 10
 * minutes, Temporal 2, every worker 10; the API restarts at once.
 */
export const LONG_HOLD_MS: Record<LongFaultKind, number> = {
  'pg-3m': 3 * 60_000,
  'pg-10m': 10 * 60_000,
  'temporal-2m': 2 * 60_000,
  'workers-10m': 10 * 60_000,
  'api-restart': 0,
};

/** LongPlan shapes a long run (all times in ms). */
export interface LongPlan {
  /** scale multiplies every LONG_HOLD_MS (1: the real durations; 0.1 for a quick try). */
  scale: number;
  /** warmupMs passes before the first fault. */
  warmupMs: number;
  /** gapMs passes after each fault's release check (which waits 60 s from its end). */
  gapMs: number;
  /** backlogPerKind is how many of each kind a backlog places before an outage. */
  backlogPerKind: number;
  /** inFlightMin is how many attempts must be under way when the API is killed. */
  inFlightMin: number;
}

/** API_READY_TIMEOUT_MS bounds the restarted API's wait for /readyz 200. */
const API_READY_TIMEOUT_MS = 90_000;

/** IN_FLIGHT_WAIT_MS bounds the wait for requests in flight before the API is killed. */
const IN_FLIGHT_WAIT_MS = 30_000;

/** LongResult is what the long faults left for the checks. */
export interface LongResult {
  backlog: BacklogItem[];
  releaseChecks: ReleaseCheck[];
}

/** LongInput is what runLongFaults drives. */
export interface LongInput {
  plan: LongPlan;
  stack: ChaosStack;
  injector: FaultInjector;
  faults: FaultLog;
  client: ChaosClient;
  ctx: WorkloadContext;
  backlogWorld: BacklogWorld;
  /** holdTimeout is the backlog holds' timeout (a duration string: the run's TTL). */
  holdTimeout: string;
  db: Db;
  anomalies: Anomalies;
  log: (line: string) => void;
}

/**
 * runLongFaults injects the long faults one after another while the workloads run: before each
 * outage a backlog of short-TTL orders, bookings, holds and payment requests is placed (so their
 * timers fall due while it lasts), then the fault; 60 s after its end nothing may be held past
 * its time (checkReleased), then a gap. Resolves when the last gap has passed.
 */
export async function runLongFaults(input: LongInput): Promise<LongResult> {
  const { plan, log } = input;
  const result: LongResult = { backlog: [], releaseChecks: [] };
  await sleep(plan.warmupMs);
  for (const [batch, kind] of LONG_FAULT_KINDS.entries()) {
    if (kind !== 'api-restart') {
      const items = await placeBacklog(input.ctx, {
        world: input.backlogWorld,
        batch,
        perKind: plan.backlogPerKind,
        holdTimeout: input.holdTimeout,
      });
      const acked = items.filter((item) => item.outcome.kind === 'acked').length;
      log(`backlog ${batch}: ${acked}/${items.length} placed before ${kind}`);
      result.backlog.push(...items);
    }
    await inject(input, kind, Math.round(LONG_HOLD_MS[kind] * plan.scale));
    const recoveredAtMs = Date.now();
    log(`${kind} over; checking releases 60 s from now`);
    const check = await checkReleased({ ...input, after: kind, recoveredAtMs });
    log(
      `${check.overdue} held past their time ${Math.round(check.checkedAfterMs / 1000)} s after ${kind}`,
    );
    result.releaseChecks.push(check);
    await sleep(plan.gapMs);
  }
  return result;
}

/** inject injects one long fault that keeps its part down for `holdMs`. */
async function inject(input: LongInput, kind: FaultKind, holdMs: number): Promise<void> {
  switch (kind) {
    case 'workers-10m':
      return input.injector.holdWorkerDown(holdMs);
    case 'api-restart':
      return restartApi(input);
    default:
      return input.injector.injectOutage(kind, holdMs);
  }
}

/**
 * restartApi waits until at least `inFlightMin` requests are under way (IN_FLIGHT_WAIT_MS at
 * most), SIGKILLs the API and starts it again on its port; its clients retry with their keys.
 */
async function restartApi(input: LongInput): Promise<void> {
  const waitUntilMs = Date.now() + IN_FLIGHT_WAIT_MS;
  while (input.client.inFlight < input.plan.inFlightMin && Date.now() < waitUntilMs)
    await sleep(10);
  const record = input.faults.begin('api-restart');
  try {
    input.log(`fault api-restart: SIGKILL with ${input.client.inFlight} requests in flight`);
    await input.stack.api.killAndRestart(API_READY_TIMEOUT_MS);
  } catch (err) {
    record.error = (err as Error).message;
    input.log(`fault api-restart failed: ${record.error}`);
  } finally {
    input.faults.end(record);
  }
}
