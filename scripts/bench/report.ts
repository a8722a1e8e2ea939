import type { BenchCheck } from './checks';
import { NOISY_OTHERS_PERCENT, othersPercent, ROLES, type RunResult } from './load';
import { SCENARIO_NAMES, type BenchOptions, type Persistence, type ScenarioName } from './options';
import { SCENARIOS } from './scenarios';
import type { GateReplayCost } from './replay-cost';
import { DELIVERY_WAIT_MS, type WebhookFigures } from './webhook';
import type { LifecycleFigures } from './lifecycle';
import {
  connectionsText,
  errorsText,
  fixed,
  gateReplayText,
  latencyText,
  table,
} from './report-format';

/** ModeResult is everything measured against one Temporal persistence mode. */
export interface ModeResult {
  persistence: Persistence;
  /** idleCpuPercent is each role's CPU share (100 = one core) over a few idle seconds. */
  idleCpuPercent: Record<string, number>;
  runs: RunResult[];
  checks: BenchCheck[];
  ratios: Ratio[];
  /**
   * logLines counts each child's warn and error lines (stderr counts as error) and keeps the
   * first error lines: trouble in the product under load shows here. Refused orders fail
   * their runs, which the SDK logs at warn ("Workflow failed"), so warn is expected.
   */
  logLines: Record<string, { warn: number; error: number; errorSamples: string[] }>;
  /** gateReplay is the replay of the longest pool gate after the runs (replay-cost.ts). */
  gateReplay?: GateReplayCost;
}

/** Ratio is one throughput ratio (ok/s over ok/s) at each connection count. */
export interface Ratio {
  name: string;
  byConnections: Record<string, number | null>;
}

/**
 * RATIO_PAIRS are the issues' ratios: holdfast (orders, refused duplicate orders, transfers,
 * bookings) over the ceiling,
 * over the baseline, hot over spread, a new customer per order over the pool's warm gates, and
 * orders-spread with the webhook endpoint enabled over
 * orders-spread without it (SPEC.md §11 "Cost": within 10 %, so at least 0.90). For
 * orders-lifecycle the numerator is its completed lifecycles/s, not its ok/s.
 */
const RATIO_PAIRS: [ScenarioName, ScenarioName][] = [
  ['orders-hot', 'ceiling'],
  ['orders-spread', 'ceiling'],
  ['orders-cold', 'ceiling'],
  ['orders-duplicates', 'ceiling'],
  ['transfers', 'ceiling'],
  ['bookings', 'ceiling'],
  ['orders-lifecycle', 'ceiling'],
  ['orders-hot', 'baseline-hot'],
  ['orders-spread', 'baseline-spread'],
  ['orders-hot', 'orders-spread'],
  ['orders-cold', 'orders-spread'],
  ['orders-spread-webhook', 'orders-spread'],
];

/**
 * computeRatios divides ok/s of each RATIO_PAIRS pair measured at the same connection count
 * with unbounded offered load (half-peak runs are left out).
 */
export function computeRatios(runs: RunResult[], connections: number[]): Ratio[] {
  const rate = (scenario: ScenarioName, n: number) => {
    const run = runs.find(
      (r) => r.scenario === scenario && r.connections === n && !r.offeredPerSecond,
    );
    return run?.lifecycle ? run.lifecycle.perSecond : run?.okPerSecond;
  };
  return RATIO_PAIRS.filter(
    ([a, b]) => runs.some((r) => r.scenario === a) && runs.some((r) => r.scenario === b),
  ).map(([a, b]) => ({
    name: `${a} / ${b}`,
    byConnections: Object.fromEntries(
      connections.map((n) => {
        const [top, bottom] = [rate(a, n), rate(b, n)];
        return [String(n), top !== undefined && bottom ? top / bottom : null];
      }),
    ),
  }));
}

/** runsTable is the issue's table: one row per scenario and connection count. */
function runsTable(mode: ModeResult): string {
  const header = [
    'scenario',
    'conn',
    'ok/s',
    'p50 ms',
    'p99 ms',
    ...ROLES.map((role) => `CPU ms/order ${role}`),
    'CPU ms/order total',
    'Temporal frontend req/order',
    'Temporal persistence req/order',
    'others CPU %',
    'workflow tasks > 5 s',
    'answers',
    'errors',
  ];
  const order = (run: RunResult) =>
    SCENARIO_NAMES.indexOf(run.scenario) * 1e6 + run.connections + (run.offeredPerSecond ? 0.5 : 0);
  const sorted = [...mode.runs].sort((a, b) => order(a) - order(b));
  const rows = sorted.map((run) => [
    run.scenario,
    connectionsText(run),
    fixed(run.okPerSecond, 1),
    latencyText(run.latencyMs.p50),
    latencyText(run.latencyMs.p99),
    ...ROLES.map((role) => fixed(1000 * (run.cpuSecondsPerOrder?.[role] ?? NaN), 2)),
    fixed(1000 * (run.cpuSecondsPerOrder?.total ?? NaN), 2),
    fixed(run.temporal?.frontendRequestsPerOk, 2),
    fixed(run.temporal?.persistenceRequestsPerOk, 2),
    `${fixed(othersPercent(run), 0)}${othersPercent(run) > NOISY_OTHERS_PERCENT ? ' ⚠' : ''}`,
    String(run.slowWorkflowTasks ?? 0),
    Object.entries(run.statusCounts)
      .map(([status, count]) => `${status}×${count}`)
      .join(' '),
    errorsText(run),
  ]);
  return table(header, rows);
}

/** ratiosTable renders the ratios, one column per connection count. */
function ratiosTable(mode: ModeResult, connections: number[]): string {
  const header = [
    'ratio of ok/s (orders-lifecycle: lifecycles/s)',
    ...connections.map((n) => `${n} conn`),
  ];
  const rows = mode.ratios.map((ratio) => [
    ratio.name,
    ...connections.map((n) => fixed(ratio.byConnections[String(n)], 2)),
  ]);
  return table(header, rows);
}

/** latencyOrWait is a webhook latency in ms, or "> wait" where an undelivered event falls. */
const latencyOrWait = (latencyMs: number | null) =>
  latencyMs === null ? `> ${DELIVERY_WAIT_MS / 1000} s` : latencyText(latencyMs);

/** webhookText is a hooked run's deliveries in one phrase (runLine, the table's caption). */
export function webhookText(figures: WebhookFigures): string {
  const { latencyMs } = figures;
  return (
    `${figures.eventsDelivered}/${figures.eventsWritten} events delivered, ` +
    `first attempt − occurredAt p50 ${latencyOrWait(latencyMs.p50)} ms, ` +
    `p99 ${latencyOrWait(latencyMs.p99)} ms, max ${latencyOrWait(latencyMs.max)} ms`
  );
}

/** webhookTable renders the hooked runs' deliveries; empty when there is none. */
function webhookTable(mode: ModeResult): string {
  const hooked = mode.runs.filter((run) => run.webhook);
  if (hooked.length === 0) return '';
  const header = [
    'scenario',
    'conn',
    'events written',
    'events delivered',
    'repeats',
    'first attempt p50 ms',
    'p99 ms',
    'max ms',
    'waited after run s',
  ];
  const rows = hooked.map((run) => {
    const figures = run.webhook!;
    return [
      run.scenario,
      connectionsText(run),
      String(figures.eventsWritten),
      String(figures.eventsDelivered),
      String(figures.repeats),
      latencyOrWait(figures.latencyMs.p50),
      latencyOrWait(figures.latencyMs.p99),
      latencyOrWait(figures.latencyMs.max),
      fixed(figures.waitedMs / 1000, 1),
    ];
  });
  return [
    '',
    `### Webhook deliveries (${mode.persistence})`,
    '',
    'Events written: `events` rows whose occurred_at lies in the hooked run’s window (load, ' +
      'drain and settle). Delivered: distinct `webhook-id`s of those events that reached the ' +
      'bench’s receiver, waiting at most ' +
      `${DELIVERY_WAIT_MS / 1000} s after the run. Latency: first arrival − the event’s ` +
      '`occurredAt`, which is the start of its transaction, so it slightly over-counts ' +
      'commit-to-first-attempt (SPEC.md §11: p99 ≤ 5 s); an undelivered event ranks last ' +
      `(> ${DELIVERY_WAIT_MS / 1000} s).`,
    '',
    table(header, rows),
  ].join('\n');
}

/** burstText is a burst run's figures in one phrase (runLine, the burst table). */
export function burstText(run: RunResult): string {
  const answers = Object.entries(run.statusCounts)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  return (
    `${run.burst} requests at once: p50 ${latencyText(run.latencyMs.p50)} ms, ` +
    `p99 ${latencyText(run.latencyMs.p99)} ms, last answer after ` +
    `${fixed(run.durationSeconds, 2)} s, answers ${answers || 'none'}, errors ${errorsText(run)}`
  );
}

/**
 * burstTable renders the burst runs (ceiling-drop, drop), each p50 over ceiling-drop's; empty
 * when there is none.
 */
function burstTable(mode: ModeResult): string {
  const bursts = mode.runs.filter((run) => run.burst);
  if (bursts.length === 0) return '';
  const floor = bursts.find((run) => run.scenario === 'ceiling-drop');
  const header = [
    'scenario',
    'requests at once',
    'p50 ms',
    'p99 ms',
    'last answer s',
    'p50 ÷ ceiling-drop p50',
    'answers',
  ];
  const rows = bursts.map((run) => [
    run.scenario,
    String(run.burst),
    latencyText(run.latencyMs.p50),
    latencyText(run.latencyMs.p99),
    fixed(run.durationSeconds, 2),
    fixed(floor ? run.latencyMs.p50 / floor.latencyMs.p50 : null, 2),
    `${Object.entries(run.statusCounts)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ')}; errors ${errorsText(run)}`,
  ]);
  return [
    '',
    `### Bursts (${mode.persistence})`,
    '',
    'Every request sent at the same instant, each on its own keep-alive connection; last answer: ' +
      'from the first send to the last answer (in the table above, ok/s is definite answers over ' +
      'that time and conn the burst size).',
    '',
    table(header, rows),
  ].join('\n');
}

/** lifecycleText is an orders-lifecycle run's completed lifecycles in one phrase (runLine). */
export function lifecycleText(figures: LifecycleFigures): string {
  const { paid, cancelled, expired } = figures.completed;
  return (
    `${fixed(figures.perSecond, 1)} lifecycles/s (paid ${paid}, cancelled ${cancelled}, ` +
    `expired ${expired}), Temporal req/lifecycle frontend ` +
    `${fixed(figures.frontendRequestsPerLifecycle, 2)} persistence ` +
    `${fixed(figures.persistenceRequestsPerLifecycle, 2)}`
  );
}

/** lifecycleTable renders the orders-lifecycle runs' lifecycles; empty when there is none. */
function lifecycleTable(mode: ModeResult): string {
  const runs = mode.runs.filter((run) => run.lifecycle);
  if (runs.length === 0) return '';
  const header = [
    'scenario',
    'conn',
    'lifecycles/s',
    'paid',
    'cancelled',
    'expired',
    'Temporal frontend req/lifecycle',
    'persistence req/lifecycle',
  ];
  const rows = runs.map((run) => {
    const figures = run.lifecycle!;
    return [
      run.scenario,
      connectionsText(run),
      fixed(figures.perSecond, 1),
      String(figures.completed.paid),
      String(figures.completed.cancelled),
      String(figures.completed.expired),
      fixed(figures.frontendRequestsPerLifecycle, 2),
      fixed(figures.persistenceRequestsPerLifecycle, 2),
    ];
  });
  return [
    '',
    `### Order lifecycles (${mode.persistence})`,
    '',
    'Lifecycles: the run’s orders stamped paid, cancelled or expired in the measured window ' +
      '(SQL), per second; the window starts after a lead-in of the payment TTL + 1 s, so ' +
      'orders placed before it expire in it (steady state). Temporal req/lifecycle: requests ' +
      'between the run’s samples over the lifecycles completed between them. Above, ok/s, CPU ' +
      'and Temporal count every answer: placements, payments and cancellations.',
    '',
    table(header, rows),
  ].join('\n');
}

/** noisyText names the runs measured again because other processes used the CPU. */
function noisyText(runs: RunResult[]): string {
  const retried = runs.filter((run) => run.discardedNoisy?.length);
  if (retried.length === 0) return 'No run was measured again for noise.\n';
  const items = retried.map(
    (run) =>
      `${run.scenario} × ${run.connections} (others ${run
        .discardedNoisy!.map((attempt) => `${fixed(attempt.othersPercent, 0)}%`)
        .join(', ')} → ${fixed(othersPercent(run), 0)}%)`,
  );
  return `Measured again after waiting for quiet, noisy attempts discarded: ${items.join('; ')}.\n`;
}

/** checksText lists every check with [ok] or [FAIL]. */
function checksText(checks: BenchCheck[]): string {
  return checks
    .map((check) => `- [${check.ok ? 'ok' : 'FAIL'}] ${check.name}: ${check.detail}`)
    .join('\n');
}

/** ReportMeta is the context printed above the tables. */
export interface ReportMeta {
  startedAt: string;
  wallSeconds: number;
  gitCommit: string;
  machine: { nproc: number; modelName: string };
  options: BenchOptions;
}

/**
 * renderMarkdown renders the whole report: context and scenarios; per persistence mode the
 * table, idle CPU and the checks; last, the ratios of every mode.
 */
export function renderMarkdown(meta: ReportMeta, modes: ModeResult[]): string {
  const { options } = meta;
  const lines = [
    `# holdfast bench ${meta.startedAt}`,
    '',
    `commit ${meta.gitCommit}; ${meta.machine.nproc} × ${meta.machine.modelName}; ` +
      `${options.durationMs / 1000} s per run (warm-up ${options.warmupMs / 1000} s per scenario), ` +
      `connections ${options.connections.join(', ')}; wall time ${fixed(meta.wallSeconds, 0)} s.`,
    '',
    'ok/s counts definite answers (2xx; 409 too in flash-sale and orders-duplicates) in the ' +
      'run; p50/p99 are client latencies. CPU ms/order is CPU time of each process tree (from ' +
      '/proc) between samples taken before the run and after the server drained, divided by the ' +
      'definite answers the API served in that window. Temporal req/order divides, over the same ' +
      "window and answers, the Temporal server's own counters (its Prometheus metrics, namespace " +
      '`default`): frontend `service_requests` (the RPCs of clients and workers: starts, Updates, ' +
      'polls, task completions) and `persistence_requests` of every service; – where the server ' +
      'serves no metrics (the full server of `postgres`). Others CPU % is what processes outside the bench (other ' +
      `work on a shared machine) used in that window, in % of one core; ⚠ over ${NOISY_OTHERS_PERCENT}. ` +
      "Workflow tasks > 5 s counts the worker's workflow tasks that took longer (the SDK's " +
      'TMPRL1104 warning) and finished in the run: a task waits that long behind replays of ' +
      "gates that left the worker's cache, and one past the 10 s workflow task timeout is retried. " +
      'A connection count like `64 @ 27/s` is a half-peak run: the offered load capped at half ' +
      "the scenario's best ok/s, for the latency of a busy but unsaturated server.",
    '',
    ...options.scenarios.map((name) => `- \`${name}\`: ${SCENARIOS[name].description}`),
  ];
  for (const mode of modes) {
    lines.push(
      '',
      `## Temporal persistence: ${mode.persistence}`,
      '',
      runsTable(mode),
      burstTable(mode),
      webhookTable(mode),
      lifecycleTable(mode),
      '',
      noisyText(mode.runs),
      gateReplayText(mode.gateReplay),
      `Idle CPU % before the runs: ${Object.entries(mode.idleCpuPercent)
        .map(([role, percent]) => `${role} ${fixed(percent, 1)}`)
        .join(', ')}. Log lines at warn / error: ${Object.entries(mode.logLines)
        .map(([name, n]) => `${name} ${n.warn} / ${n.error}`)
        .join(', ')}.`,
      ...Object.entries(mode.logLines).flatMap(([name, n]) =>
        n.errorSamples.length === 0
          ? []
          : ['', `First error lines of ${name}:`, '', '```', ...n.errorSamples, '```'],
      ),
      '',
      `### Checks (${mode.persistence})`,
      '',
      checksText(mode.checks),
    );
  }
  lines.push('', '## Ratios');
  for (const mode of modes)
    lines.push(
      '',
      `Temporal persistence: ${mode.persistence}`,
      '',
      ratiosTable(mode, options.connections),
    );
  return lines.join('\n') + '\n';
}
