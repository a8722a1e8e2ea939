import { ALL_FAULT_KINDS, DEPENDENCY_OF, PART_OF, type FaultRecord } from './fault-log';
import type { ChaosReport, LongSummary } from './harness';
import { ANOMALY_CATEGORIES, WORKLOADS } from './model';

/** ANOMALY_LINES_MAX bounds the anomaly messages printed under the table. */
const ANOMALY_LINES_MAX = 25;

/**
 * formatTable renders rows under headers as a plain-text table; columns after the first are
 * right-aligned (they hold figures).
 */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const render = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  return [line, render(headers), line, ...rows.map(render), line].join('\n');
}

/** seconds renders milliseconds as seconds with one decimal. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** faultRows sums the records per kind: count, downtime, /readyz and API answers meanwhile. */
function faultRows(records: FaultRecord[]): string[][] {
  return ALL_FAULT_KINDS.flatMap((kind) => {
    const own = records.filter((r) => r.kind === kind);
    if (own.length === 0) return [];
    const sum = (pick: (r: FaultRecord) => number) => own.reduce((n, r) => n + pick(r), 0);
    const dependency = DEPENDENCY_OF[kind];
    const readyz = dependency
      ? `${own.filter((r) => r.readyzSaidDown > 0).length}/${own.length} (${sum((r) => r.readyzSaidDown)}/${sum((r) => r.readyzPolls)} polls)`
      : '—';
    return [
      [
        kind,
        String(own.length),
        seconds(sum((r) => r.downMs)),
        PART_OF[kind],
        readyz,
        String(sum((r) => r.answers503)),
        String(sum((r) => r.answers5xx)),
        String(own.filter((r) => r.error !== undefined).length),
      ],
    ];
  });
}

/**
 * formatReport renders a chaos run's report: the faults injected (kind, count, total
 * downtime, whether /readyz said 503 during each, the API's 503 and other 5xx answers
 * meanwhile), the workloads' counts, the anomalies by category (the goal is 0) with the first
 * messages, and how long each phase took.
 */
export function formatReport(report: ChaosReport): string {
  const faults = formatTable(
    ['fault', 'count', 'downtime', 'down', '/readyz said 503', 'API 503s', 'API 5xx≠503', 'failed'],
    faultRows(report.faults),
  );
  const workloads = formatTable(
    ['workload', 'acknowledged', 'refused', 'indeterminate', 'retried', '503 answers', 'reads'],
    WORKLOADS.map((name) => {
      const s = report.stats[name];
      return [
        name,
        s.acknowledged,
        s.refused,
        s.indeterminate,
        s.retried,
        s.answers503,
        s.reads,
      ].map(String);
    }),
  );
  const anomalies = formatTable(
    ['anomaly', 'count'],
    ANOMALY_CATEGORIES.map((category) => [category, String(report.anomalyCounts[category])]),
  );
  const phases = Object.entries(report.phasesMs)
    .map(([phase, ms]) => `${phase} ${seconds(ms)}`)
    .join(', ');
  return [
    '=== Faults injected',
    faults,
    `worker processes that exited on their own: ${report.workerExitsUnplanned}`,
    '=== Workloads (logical requests; retried counts extra attempts)',
    workloads,
    `open workflows checked: ${report.openWorkflows}`,
    `webhooks: ${report.deliveries.delivered} of ${report.deliveries.events} events since the endpoint ` +
      `delivered to a flapping receiver (${report.deliveries.requests} requests)`,
    '=== Anomalies',
    anomalies,
    ...report.anomalies.slice(0, ANOMALY_LINES_MAX).map((a) => `  [${a.category}] ${a.message}`),
    ...(report.anomalies.length > ANOMALY_LINES_MAX
      ? [`  … and ${report.anomalies.length - ANOMALY_LINES_MAX} more`]
      : []),
    ...report.unhandled.map((line) => `  API unhandled error: ${line}`),
    ...(report.long ? longLines(report.long) : []),
    `phases: ${phases}`,
    report.anomalies.length === 0
      ? 'PASS: 0 anomalies'
      : `FAIL: ${report.anomalies.length} anomalies`,
  ].join('\n');
}

/**
 * longLines renders a long run's own checks: each release check (after which fault, how long
 * after its end, how many items were still held past their time), the backlogs, and the
 * final retry of every Idempotency-Key.
 */
function longLines(long: LongSummary): string[] {
  const releases = formatTable(
    ['release check after', 'checked after', 'held past their time'],
    long.releaseChecks.map((check) => [
      check.after,
      seconds(check.checkedAfterMs),
      String(check.overdue),
    ]),
  );
  const { keys } = long;
  return [
    '=== Releases (SPEC §10: within 60 s of recovery)',
    releases,
    `backlogs placed before the outages: ${long.backlog.acked}/${long.backlog.placed} acknowledged, each checked released`,
    `Idempotency-Keys retried once more: ${keys.keys}; ${keys.settled} indeterminate settled, ${keys.changed} changed, ${keys.undecided} without a definite answer`,
  ];
}
