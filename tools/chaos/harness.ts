import { createDb, type Db } from '../../db/connection';
import { StopSteps } from '../process';
import { runApprovals, type ApprovalsLog } from './approvals';
import { runBank, type BankLog } from './bank';
import { runBookings, type BookingsLog } from './bookings';
import { checkBacklog } from './backlog';
import { ChaosReceiver, checkDeliveries } from './deliveries';
import { checkBookings } from './checks-bookings';
import { checkApprovals, checkBank, checkWallets } from './checks-money';
import { checkOrders } from './checks-orders';
import { checkInvariants } from './checks-state';
import { checkWorkflows } from './checks-workflows';
import { ChaosClient, type ClientBounds } from './client';
import { FaultLog, type FaultKind, type FaultRecord } from './fault-log';
import { FaultInjector, type FaultPlan } from './faults';
import { checkKeys, type KeyCheckSummary } from './keys';
import { LONG_HOLD_MS, runLongFaults, type LongPlan, type LongResult } from './long';
import {
  Anomalies,
  type Anomaly,
  type AnomalyCategory,
  type WorkloadName,
  type WorkloadStats,
} from './model';
import { runOrders, type OrdersLog } from './orders';
import { seededRandom } from './random';
import { seedWorld, type ChaosWorld } from './seed';
import { RELEASE_WINDOW_MS, type ReleaseCheck } from './release';
import { recoverAndSettle } from './settle';
import { CHAOS_JWT_SECRET, ChaosStack } from './stack';
import type { WorkloadContext } from './workload';

/** ChaosOptions configure one chaos run; chaosOptions() fills them from a few choices. */
export interface ChaosOptions {
  /** durationMs is how long the workloads issue new requests and faults are injected. */
  durationMs: number;
  seed: number;
  /** clients is the number of concurrent clients per workload. */
  clients: Record<WorkloadName, number>;
  /** ttlMs is the API's ORDER_PAYMENT_TTL, BOOKING_HOLD_TTL and APPROVAL_TTL. */
  ttlMs: number;
  plan: FaultPlan;
  bounds: ClientBounds;
  /** drainMs is how long after the load a request may still retry before it is indeterminate. */
  drainMs: number;
  /** settleMaxMs bounds the wait for every expiry timer once the load is over. */
  settleMaxMs: number;
  /** workflowBundlePath is a pre-built workflow bundle (the test run's); unset, it bundles. */
  workflowBundlePath?: string;
  /** progressEveryMs prints the workloads' counts that often during the load (0: never). */
  progressEveryMs: number;
  /**
   * long makes it the long run (issue 17 item 8): the load lasts as long as the long faults,
   * `plan` and `durationMs` are unused, and the keys, backlogs and releases are checked too.
   */
  long?: LongPlan;
}

/**
 * chaosOptions returns the options of `npm run chaos` (`short: false`: 13 clients, 8 s TTLs, a
 * worker kill 10 s after the last one runs again, dependency outages 4 s apart, 90 s for
 * in-flight requests to finish) or of the shorter run inside `npm test` (`short: true`: 10
 * clients, 6 s TTLs, kills 7 s and outages 1.5 s apart, 12 s to finish).
 */
export function chaosOptions(input: {
  durationMs: number;
  faults: readonly FaultKind[];
  seed: number;
  short: boolean;
  workflowBundlePath?: string;
}): ChaosOptions {
  const { short } = input;
  return {
    durationMs: input.durationMs,
    seed: input.seed,
    clients: short
      ? { bank: 3, orders: 3, bookings: 2, approvals: 2 }
      : { bank: 4, orders: 4, bookings: 3, approvals: 2 },
    ttlMs: short ? 6_000 : 8_000,
    plan: {
      kinds: input.faults,
      warmupMs: short ? 1_500 : 3_000,
      killEveryMs: short ? 7_000 : 10_000,
      gapMs: short ? 1_500 : 4_000,
      holdMs: 3_000,
      pauseMs: 10_000,
      lastStartBeforeEndMs: 3_000,
    },
    bounds: { attemptTimeoutMs: 20_000, attemptsMax: 40, backoffMaxMs: 4_000 },
    drainMs: short ? 12_000 : 90_000,
    settleMaxMs: short ? 25_000 : 60_000,
    workflowBundlePath: input.workflowBundlePath,
    progressEveryMs: short ? 0 : 10_000,
  };
}

/**
 * longChaosOptions returns the options of `npm run chaos -- --long`: the default run's clients
 * and TTLs, no short faults, the long faults of LONG_HOLD_MS times `scale`, 20 s apart after each
 * one's 60 s release window, a backlog of 8 of each kind before every outage, and clients that
 * retry a request with its key for as long as the longest outage lasts (10 s apart at most).
 */
export function longChaosOptions(input: {
  scale: number;
  seed: number;
  workflowBundlePath?: string;
}): ChaosOptions {
  const base = chaosOptions({ ...input, durationMs: 0, faults: [], short: false });
  const long: LongPlan = {
    scale: input.scale,
    warmupMs: 15_000,
    gapMs: 20_000,
    backlogPerKind: 8,
    inFlightMin: 4,
  };
  return {
    ...base,
    durationMs: estimateLongMs(long),
    bounds: { attemptTimeoutMs: 20_000, attemptsMax: 400, backoffMaxMs: 10_000 },
    progressEveryMs: 30_000,
    long,
  };
}

/** estimateLongMs is about how long a long run's load lasts (its faults, windows and gaps). */
export function estimateLongMs(plan: LongPlan): number {
  const holdsMs = Object.values(LONG_HOLD_MS).reduce((sum, ms) => sum + ms * plan.scale, 0);
  const perFaultMs = RELEASE_WINDOW_MS + plan.gapMs;
  return plan.warmupMs + holdsMs + Object.keys(LONG_HOLD_MS).length * perFaultMs;
}

/** LongSummary is what a long run's own checks found. */
export interface LongSummary {
  releaseChecks: ReleaseCheck[];
  backlog: { placed: number; acked: number };
  keys: KeyCheckSummary;
}

/** ChaosReport is what a run did and found. */
export interface ChaosReport {
  options: ChaosOptions;
  faults: FaultRecord[];
  workerExitsUnplanned: number;
  stats: Record<WorkloadName, WorkloadStats>;
  anomalies: Anomaly[];
  anomalyCounts: Record<AnomalyCategory, number>;
  /** openWorkflows is how many open workflows the stuck-workflow check looked at. */
  openWorkflows: number;
  /** unhandled are the API's `unhandled error` log lines (each a 500, with its stack). */
  unhandled: string[];
  /** deliveries: events committed since the receiver's endpoint was made, and what arrived. */
  deliveries: { events: number; delivered: number; requests: number };
  /** phasesMs is how long each phase took, in ms. */
  phasesMs: Record<'start' | 'seed' | 'load' | 'drain' | 'settle' | 'checks' | 'total', number>;
  /** long is what the long run's own checks found (absent in the default run). */
  long?: LongSummary;
}

/** WorkloadLogs are the four workloads' logs. */
interface WorkloadLogs {
  bank: BankLog;
  orders: OrdersLog;
  bookings: BookingsLog;
  approvals: ApprovalsLog;
}

/**
 * runChaos starts a throwaway ChaosStack, seeds it, runs the four workloads over HTTP for
 * `durationMs` while injecting the planned faults, lets in-flight requests finish (at most
 * `drainMs`), waits for the stack to be ready and for every expiry timer, then checks (a)–(e)
 * of issue 11 and returns the report. Everything it started is stopped, whatever happens.
 * @throws Error when the stack cannot start, be seeded, or recover (no report then).
 */
export async function runChaos(
  options: ChaosOptions,
  log: (line: string) => void,
): Promise<ChaosReport> {
  const teardown = new StopSteps('teardown');
  const startedMs = Date.now();
  try {
    const stack = await ChaosStack.start(
      { ttlMs: options.ttlMs, workflowBundlePath: options.workflowBundlePath, log },
      teardown,
    );
    const seededMs = Date.now();
    const world = await seedWorld({
      apiUrl: stack.apiUrl,
      jwtSecret: CHAOS_JWT_SECRET,
      clients: options.clients,
      long: options.long !== undefined,
    });
    const receiver = await ChaosReceiver.start();
    teardown.add('webhook receiver', () => receiver.close());
    await receiver.register(stack.apiUrl, world.staff[0]!);
    log(`seeded in ${Date.now() - seededMs} ms; load for ${options.durationMs} ms`);
    const phases = { start: seededMs - startedMs, seed: Date.now() - seededMs };
    const input = { options, stack, world, receiver, teardown, log, startedMs, phases };
    return await loadAndCheck(input);
  } finally {
    await teardown.runAll(log);
  }
}

/** LoadInput is what loadAndCheck works with. */
interface LoadInput {
  options: ChaosOptions;
  stack: ChaosStack;
  world: ChaosWorld;
  receiver: ChaosReceiver;
  teardown: StopSteps;
  log: (line: string) => void;
  startedMs: number;
  phases: { start: number; seed: number };
}

/** loadAndCheck runs the load with its faults, recovers, settles, checks and reports. */
async function loadAndCheck(input: LoadInput): Promise<ChaosReport> {
  const { options, stack } = input;
  const anomalies = new Anomalies();
  const faults = new FaultLog();
  const loadStartMs = Date.now();
  // The long run's load lasts as long as its faults take; the default run's `durationMs`.
  let loadEndMs = options.long ? Number.POSITIVE_INFINITY : loadStartMs + options.durationMs;
  const client = new ChaosClient({
    baseUrl: stack.apiUrl,
    bounds: options.bounds,
    giveUpAtMs: () => loadEndMs + options.drainMs,
    faults,
    anomalies,
  });
  const ctx: WorkloadContext = {
    client,
    random: seededRandom(options.seed),
    world: input.world,
    anomalies,
    running: () => Date.now() < loadEndMs,
  };
  const { injector, progress, db } = armFaults(input, client, faults, anomalies);
  const longRun = { injector, faults, client, ctx, db, anomalies };
  const faultsDone = options.long
    ? runLongFaults({ ...longInput(input, options.long), ...longRun }).finally(() => {
        loadEndMs = Date.now();
      })
    : injector.run(loadEndMs).then(() => undefined);
  const flapping = input.receiver.flap(() => loadEndMs);
  const [logs, longResult] = await Promise.all([runWorkloads(ctx, options), faultsDone]);
  await flapping;
  progress.stop();
  const drainedMs = Date.now();
  let keys: KeyCheckSummary | undefined;
  const settleMs = await recoverAndSettle({
    api: stack.api,
    db,
    settleMaxMs: options.settleMaxMs,
    anomalies,
    // Keys first: a request that never reached the API runs now, and its timer then settles.
    beforeTimers: longResult && (async () => void (keys = await checkKeys(client, anomalies))),
  });
  const checksStartMs = Date.now();
  if (longResult) await checkBacklog(db, longResult.backlog, anomalies);
  const checked = { db, stack, world: input.world, logs, anomalies, receiver: input.receiver };
  const { openWorkflows, deliveries } = await runChecks({
    ...checked,
    waitMs: options.settleMaxMs,
  });
  await injector.stopSupervising();
  const endMs = Date.now();
  return {
    options,
    faults: faults.records,
    workerExitsUnplanned: injector.workerExitsUnplanned,
    stats: client.stats,
    anomalies: anomalies.found,
    anomalyCounts: anomalies.countBy(),
    openWorkflows,
    unhandled: stack.api.unhandled,
    deliveries,
    phasesMs: {
      ...input.phases,
      load: Math.min(drainedMs, loadEndMs) - loadStartMs,
      drain: Math.max(0, drainedMs - loadEndMs),
      settle: settleMs,
      checks: endMs - checksStartMs,
      total: endMs - input.startedMs,
    },
    long: longResult && keys && summarizeLong(longResult, keys),
  };
}

/**
 * armFaults starts the fault injector with its worker supervisor, the progress lines and the
 * checks' pool, each with its stop step.
 */
function armFaults(input: LoadInput, client: ChaosClient, faults: FaultLog, anomalies: Anomalies) {
  const { options, stack, log } = input;
  const injector = new FaultInjector(stack, options.plan, faults, anomalies, log);
  injector.superviseWorker();
  // Newest first: faults and the supervisor stop before the stack, whatever ends the run.
  input.teardown.add('worker supervisor', () => injector.stopSupervising());
  input.teardown.add('faults', () => injector.stop());
  const progress = reportProgress(client, options.progressEveryMs, log);
  input.teardown.add('progress', async () => progress.stop());
  return { injector, progress, db: checksDb(stack, input.teardown) };
}

/** longInput is the part of runLongFaults' input the run's setup gives. */
function longInput(input: LoadInput, plan: LongPlan) {
  const backlogWorld = input.world.backlog;
  if (!backlogWorld) throw new Error('a long run needs a world seeded with its backlog');
  const holdTimeout = `${input.options.ttlMs}ms`;
  return { plan, stack: input.stack, backlogWorld, holdTimeout, log: input.log };
}

/** summarizeLong sums up a long run's own checks for the report. */
function summarizeLong(result: LongResult, keys: KeyCheckSummary): LongSummary {
  const acked = result.backlog.filter((item) => item.outcome.kind === 'acked').length;
  return {
    releaseChecks: result.releaseChecks,
    backlog: { placed: result.backlog.length, acked },
    keys,
  };
}

/**
 * checksDb opens the checks' own small pool straight to PostgreSQL (the long run's release
 * checks use it during the load; it connects on first use).
 */
function checksDb(stack: ChaosStack, teardown: StopSteps): Db {
  const db = createDb({
    databaseUrl: stack.databaseUrl,
    dbPoolMax: 4,
    dbLockTimeoutMs: 5_000,
    dbStatementTimeoutMs: 60_000,
  });
  teardown.add('checks pool', () => db.sequelize.close());
  return db;
}

/** runWorkloads runs the four workloads side by side until the load ends and they drain. */
async function runWorkloads(ctx: WorkloadContext, options: ChaosOptions): Promise<WorkloadLogs> {
  const { clients } = options;
  const [bank, orders, bookings, approvals] = await Promise.all([
    runBank(ctx, clients.bank),
    runOrders(ctx, clients.orders),
    runBookings(ctx, clients.bookings),
    runApprovals(ctx, clients.approvals),
  ]);
  return { bank, orders, bookings, approvals };
}

/**
 * runChecks runs (a)–(d) against the settled stack, then the webhook deliveries (waiting up to
 * `waitMs` for the last retries); returns the open workflows checked and the deliveries.
 */
async function runChecks(input: {
  db: Db;
  stack: ChaosStack;
  world: ChaosWorld;
  logs: WorkloadLogs;
  anomalies: Anomalies;
  receiver: ChaosReceiver;
  waitMs: number;
}) {
  const { db, logs, anomalies, world, receiver } = input;
  await checkBank(db, { log: logs.bank, world }, anomalies);
  await checkOrders(db, logs.orders, anomalies);
  await checkBookings(db, logs.bookings, anomalies);
  await checkApprovals(db, logs.approvals, anomalies);
  await checkWallets(db, { world, ...logs }, anomalies);
  await checkInvariants(db, anomalies);
  const openWorkflows = await checkWorkflows(
    { temporalAddress: input.stack.temporalAddress, db },
    anomalies,
  );
  const staff = world.staff[0]!;
  const apiUrl = input.stack.apiUrl;
  const delivered = await checkDeliveries({ ...{ db, receiver, apiUrl, staff }, ...input });
  return { openWorkflows, deliveries: { ...delivered, requests: receiver.requests } };
}

/** reportProgress logs the workloads' counts every `everyMs` (nothing when 0). */
function reportProgress(client: ChaosClient, everyMs: number, log: (line: string) => void) {
  if (everyMs <= 0) return { stop: () => {} };
  const timer = setInterval(() => {
    const parts = Object.entries(client.stats).map(
      ([name, s]) => `${name} ${s.acknowledged}/${s.refused}/${s.indeterminate}`,
    );
    log(`acked/refused/indeterminate: ${parts.join(', ')}`);
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}
