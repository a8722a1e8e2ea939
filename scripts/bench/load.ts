import autocannon from 'autocannon';
import type { ScenarioName } from './options';
import { cpuDelta, sampleCpu, type CpuSample } from './proc-cpu';
import { runBurst } from './burst';
import type { Db } from '../../db/connection';
import {
  LIFECYCLE_LEAD_IN_MS,
  lifecycleFigures,
  runLifecycle,
  type LifecycleFigures,
} from './lifecycle';
import { runPacedLoad, type LoadHandle, type LoadOutcome } from './paced';
import type { PreparedScenario } from './scenarios';
import {
  scrapeTemporalCounters,
  temporalCost,
  type TemporalCost,
  type TemporalCounters,
} from './temporal-metrics';
import { sleep } from '../../tools/process';
import type { WebhookFigures } from './webhook';

/** REQUEST_TIMEOUT_S bounds one request of a run (autocannon counts it as a timeout after). */
const REQUEST_TIMEOUT_S = 30;
/** DRAIN_TIMEOUT_MS bounds the wait for requests the load left in flight when it stopped. */
const DRAIN_TIMEOUT_MS = 60_000;
/** SETTLE_MS lets the worker and Temporal finish the last workflow tasks after the last answer. */
const SETTLE_MS = 1_000;

/** NOISY_OTHERS_PERCENT marks a run during which other processes used over a fifth of a core. */
export const NOISY_OTHERS_PERCENT = 20;
/** QUIET_PROBE_MS is one probe of waitForQuiet. */
const QUIET_PROBE_MS = 2_000;

/** Role is a measured process tree. */
export type Role = 'api' | 'worker' | 'temporal' | 'postgres';
/** ROLES are the measured roles, in table order. */
export const ROLES: readonly Role[] = ['api', 'worker', 'temporal', 'postgres'];

/** RunResult is one scenario at one connection count: client figures, server counts and CPU. */
export interface RunResult {
  scenario: ScenarioName;
  connections: number;
  /** offeredPerSecond caps the requests sent per second (a half-peak run); else unbounded. */
  offeredPerSecond?: number;
  /** durationSeconds is the load's own length (autocannon). */
  durationSeconds: number;
  /** okCount counts definite answers (PreparedScenario.okStatuses) received by the client. */
  okCount: number;
  okPerSecond: number;
  /** latencyMs summarises the client's response times of every answer in the run. */
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  statusCounts: Record<string, number>;
  /** unexpected are answers that are not definite: other statuses, timeouts, socket errors. */
  unexpected: { statuses: Record<string, number>; timeouts: number; socketErrors: number };
  /**
   * serverOkCount counts definite answers the API served between the two CPU samples, those
   * to requests the load abandoned at its end included: the denominator of the CPU figures.
   */
  serverOkCount: number;
  serverStatusCounts: Record<string, number>;
  /** windowSeconds is the time between the CPU samples: load, drain and settle. */
  windowSeconds: number;
  cpuSeconds: Record<Role | 'bench', number>;
  /** cpuSecondsPerOrder is cpuSeconds / serverOkCount per role, plus their total. */
  cpuSecondsPerOrder: Record<Role | 'total', number> | undefined;
  /**
   * temporal is the Temporal server's requests (frontend RPCs, persistence calls) between the
   * samples per serverOkCount (temporal-metrics.ts); undefined when the server serves no metrics.
   */
  temporal: TemporalCost | undefined;
  machineBusyPercent: number;
  machineStealPercent: number;
  /**
   * otherCpuSeconds is CPU the machine spent outside the measured roles and the bench itself
   * (other people's work on a shared machine): a noisy run shows here.
   */
  otherCpuSeconds: number;
  /** scarceUnits is what a flash-sale run could sell at most (oversell check). */
  scarceUnits?: number;
  /**
   * burst is a burst run's request count, all sent at once (then `connections` is the same
   * and `durationSeconds` the time from the first send to the last answer).
   */
  burst?: number;
  /** discardedNoisy are earlier attempts of this run thrown away as noisy (ok/s, others %). */
  discardedNoisy?: { okPerSecond: number; othersPercent: number }[];
  /** webhook are a hooked run's deliveries (webhook.ts); absent for the other scenarios. */
  webhook?: WebhookFigures;
  /** lifecycle are an orders-lifecycle run's completed lifecycles (lifecycle.ts). */
  lifecycle?: LifecycleFigures;
  /**
   * slowWorkflowTasks counts the worker's workflow tasks over 5 s that finished while this run
   * (its attempts included) was measured (BenchStack.slowWorkflowTasks).
   */
  slowWorkflowTasks?: number;
}

/** othersPercent is the CPU of processes outside the bench during a run, in % of one core. */
export function othersPercent(run: RunResult): number {
  return (100 * run.otherCpuSeconds) / Math.max(0.001, run.windowSeconds);
}

/**
 * waitForQuiet waits, in probes of QUIET_PROBE_MS, until processes outside the bench use at
 * most NOISY_OTHERS_PERCENT of a core, for at most `timeoutMs`; it tells whether they did.
 */
export async function waitForQuiet(
  rolePids: Record<Role, number>,
  ticksPerSecond: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = await sampleCpu(rolePids, ticksPerSecond);
    const benchBefore = benchCpuSeconds();
    await sleep(QUIET_PROBE_MS);
    const delta = cpuDelta(before, await sampleCpu(rolePids, ticksPerSecond));
    const ours = Object.values(delta.rolesCpuSeconds).reduce((sum, s) => sum + s, 0);
    const others = delta.machineBusyCpuSeconds - ours - (benchCpuSeconds() - benchBefore);
    if ((100 * others) / delta.wallSeconds <= NOISY_OTHERS_PERCENT) return true;
  }
  return false;
}

/** RunInput says what to run, where, and how the caller follows its progress. */
export interface RunInput {
  apiUrl: string;
  scenario: PreparedScenario;
  connections: number;
  durationMs: number;
  /** offeredPerSecond caps the requests sent per second across all connections. */
  offeredPerSecond?: number;
  rolePids: Record<Role, number>;
  ticksPerSecond: number;
  /** temporalMetricsUrl is the Temporal server's Prometheus endpoint, scraped with the CPU. */
  temporalMetricsUrl?: string;
  /** onLoad receives the running load (to stop it on Ctrl-C); undefined when it ends. */
  onLoad?: (load: LoadHandle | undefined) => void;
  /** db is the bench's pool, where orders-lifecycle counts its completed lifecycles. */
  db?: Db;
}

/** serverCounts reads the API's /metrics: answers of `routePaths` by status, and in-flight. */
async function serverCounts(apiUrl: string, routePaths: string[]) {
  const text = await (
    await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
  ).text();
  const byStatus: Record<string, number> = {};
  let inFlight = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('holdfast_in_flight_operations ')) inFlight = Number(line.split(' ')[1]);
    if (!line.startsWith('holdfast_http_request_duration_seconds_count{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]),
    );
    if (!routePaths.includes(labels.route!) || labels.method !== 'POST') continue;
    byStatus[labels.status!] = (byStatus[labels.status!] ?? 0) + Number(line.split(' ').pop());
  }
  return { byStatus, inFlight };
}

/**
 * drain waits until the API serves nothing but the probe itself (the load's abandoned
 * requests finish on the server), then SETTLE_MS for the workflow tasks that follow.
 */
async function drain(apiUrl: string): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline && (await serverCounts(apiUrl, [])).inFlight > 1) await sleep(100);
  await sleep(SETTLE_MS);
}

/** Sample is what is read before and after a run, at one moment. */
interface Sample {
  counts: { byStatus: Record<string, number> };
  cpu: CpuSample;
  temporal: TemporalCounters | undefined;
  benchCpuSeconds: number;
  /** atMs is when the sample was started (Date.now()). */
  atMs: number;
}

/** sample reads the server counts, the CPU of every role and Temporal's counters, at one moment. */
async function sample(input: RunInput): Promise<Sample> {
  const atMs = Date.now();
  const { routePath, moreRoutePaths = [] } = input.scenario;
  const [counts, cpu, temporal] = await Promise.all([
    serverCounts(input.apiUrl, [routePath, ...moreRoutePaths]),
    sampleCpu(input.rolePids, input.ticksPerSecond),
    scrapeTemporalCounters(input.temporalMetricsUrl),
  ]);
  return { counts, cpu, temporal, benchCpuSeconds: benchCpuSeconds(), atMs };
}

function benchCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * runLoad runs one scenario: a burst scenario's requests all at once (burst.ts); a lifecycle
 * scenario's lifecycles (lifecycle.ts: with `onMeasureStart`, after a lead-in of
 * LIFECYCLE_LEAD_IN_MS, which it calls when the measured window starts); with
 * `offeredPerSecond`, an open-loop paced load (paced.ts); else
 * autocannon, each connection sending its next request when the last is answered. Every
 * request gets a fresh key and body. Response times are collected from autocannon's
 * `response` events: its own histogram keeps whole milliseconds, too coarse for the baseline.
 */
async function runLoad(
  input: RunInput,
  onMeasureStart?: () => Promise<void>,
): Promise<LoadOutcome> {
  const { scenario } = input;
  if (scenario.burst) return runBurst({ ...input, timeoutMs: REQUEST_TIMEOUT_S * 1000 });
  if (scenario.lifecycle) {
    const leadInMs = onMeasureStart ? LIFECYCLE_LEAD_IN_MS : 0;
    return runLifecycle({
      ...input,
      leadInMs,
      onMeasureStart,
      timeoutMs: REQUEST_TIMEOUT_S * 1000,
    });
  }
  if (input.offeredPerSecond) {
    return runPacedLoad({
      ...input,
      ratePerSecond: input.offeredPerSecond,
      timeoutMs: REQUEST_TIMEOUT_S * 1000,
    });
  }
  const instance = autocannon({
    url: input.apiUrl,
    connections: input.connections,
    duration: input.durationMs / 1000,
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        method: 'POST',
        path: scenario.path,
        setupRequest: (request) => ({ ...request, ...scenario.nextRequest() }),
      },
    ],
  });
  const responseTimesMs: number[] = [];
  instance.on('response', (_client: unknown, _status: number, _bytes: number, timeMs: number) => {
    responseTimesMs.push(timeMs);
  });
  input.onLoad?.(instance);
  try {
    const result = await instance;
    return {
      statusCounts: Object.fromEntries(
        Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count]),
      ),
      durationSeconds: result.duration || input.durationMs / 1000,
      timeouts: result.timeouts,
      socketErrors: Math.max(0, result.errors - result.timeouts),
      responseTimesMs,
    };
  } finally {
    input.onLoad?.(undefined);
  }
}

/**
 * measureRun runs one scenario at one connection count: samples CPU and server counts, runs
 * the load, waits for the server to drain and settle, samples again, and returns the figures.
 * A lifecycle scenario's first sample is taken when its lead-in ends (runLoad), and its
 * completed lifecycles are counted in SQL (lifecycle.ts).
 */
export async function measureRun(input: RunInput): Promise<RunResult> {
  let before: Sample | undefined;
  const takeBefore = async () => void (before = await sample(input));
  if (!input.scenario.lifecycle) await takeBefore();
  const outcome = await runLoad(input, takeBefore);
  await drain(input.apiUrl);
  const after = await sample(input);
  if (!before) throw new Error(`${input.scenario.name}: the load ended before it was measured`);
  const result = toRunResult(input, outcome, { before, after });
  const load = input.scenario.lifecycle;
  if (!load) return result;
  if (!input.db) throw new Error(`${input.scenario.name} needs the bench's pool to count`);
  const lifecycle = await lifecycleFigures(
    input.db,
    load,
    {
      loadMs: { fromMs: before.atMs, toMs: before.atMs + 1000 * outcome.durationSeconds },
      samplesMs: { fromMs: before.atMs, toMs: after.atMs },
    },
    { before: before.temporal, after: after.temporal },
  );
  return { ...result, lifecycle };
}

/** percentileMs is the nearest-rank percentile `p` of `sortedMs` (0 when empty). */
function percentileMs(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  return sortedMs[
    Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1))
  ]!;
}

function toRunResult(
  input: RunInput,
  { statusCounts, durationSeconds, timeouts, socketErrors, responseTimesMs }: LoadOutcome,
  samples: Record<'before' | 'after', Sample>,
): RunResult {
  const { scenario } = input;
  const isOk = (status: string) => scenario.okStatuses.includes(Number(status));
  const okCount = sumWhere(statusCounts, isOk);
  const serverStatusCounts = Object.fromEntries(
    Object.entries(samples.after.counts.byStatus).map(([status, count]) => [
      status,
      count - (samples.before.counts.byStatus[status] ?? 0),
    ]),
  );
  const serverOkCount = sumWhere(serverStatusCounts, isOk);
  const delta = cpuDelta(samples.before.cpu, samples.after.cpu);
  const cpuSeconds = {
    ...(delta.rolesCpuSeconds as Record<Role, number>),
    bench: samples.after.benchCpuSeconds - samples.before.benchCpuSeconds,
  };
  return {
    scenario: scenario.name,
    connections: scenario.burst ?? input.connections,
    ...(scenario.burst ? { burst: scenario.burst } : {}),
    ...(input.offeredPerSecond ? { offeredPerSecond: input.offeredPerSecond } : {}),
    durationSeconds,
    okCount,
    okPerSecond: okCount / durationSeconds,
    latencyMs: latencySummary(responseTimesMs),
    statusCounts,
    unexpected: {
      statuses: Object.fromEntries(Object.entries(statusCounts).filter(([s]) => !isOk(s))),
      timeouts,
      socketErrors,
    },
    serverOkCount,
    serverStatusCounts,
    windowSeconds: delta.wallSeconds,
    cpuSeconds,
    cpuSecondsPerOrder: perOrder(cpuSeconds, serverOkCount),
    temporal: temporalCost(samples.before.temporal, samples.after.temporal, serverOkCount),
    machineBusyPercent: delta.machineBusyPercent,
    otherCpuSeconds: Math.max(
      0,
      delta.machineBusyCpuSeconds - Object.values(cpuSeconds).reduce((sum, s) => sum + s, 0),
    ),
    machineStealPercent: delta.machineStealPercent,
    ...(scenario.scarceUnits !== undefined ? { scarceUnits: scenario.scarceUnits } : {}),
  };
}

/** latencySummary is p50, p90, p99, mean and max of every answer's response time. */
function latencySummary(responseTimesMs: number[]): RunResult['latencyMs'] {
  const sorted = [...responseTimesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, ms) => sum + ms, 0) / Math.max(1, sorted.length);
  const at = (p: number) => percentileMs(sorted, p);
  return { p50: at(50), p90: at(90), p99: at(99), mean, max: sorted.at(-1) ?? 0 };
}

function sumWhere(counts: Record<string, number>, keep: (status: string) => boolean): number {
  return Object.entries(counts)
    .filter(([status]) => keep(status))
    .reduce((sum, [, count]) => sum + count, 0);
}

/** perOrder divides each role's CPU seconds by the definite answers served (none: undefined). */
function perOrder(
  cpuSeconds: Record<Role, number>,
  orders: number,
): Record<Role | 'total', number> | undefined {
  if (orders <= 0) return undefined;
  const each = Object.fromEntries(ROLES.map((role) => [role, cpuSeconds[role] / orders]));
  const total = ROLES.reduce((sum, role) => sum + cpuSeconds[role], 0) / orders;
  return { ...(each as Record<Role, number>), total };
}

/** warmUp runs the load without measuring (JIT, pools, caches), then lets the server drain. */
export async function warmUp(input: RunInput): Promise<void> {
  await runLoad(input);
  await drain(input.apiUrl);
}
