import { othersPercent, ROLES, type RunResult } from './load';
import { burstText, lifecycleText, webhookText } from './report';
import { connectionsText } from './report-format';

/** runLine is the one-line summary of a run logged above the bar. */
export function runLine(run: RunResult): string {
  const cpu = run.cpuSecondsPerOrder;
  const cpuText = cpu
    ? ROLES.map((role) => `${role} ${(1000 * cpu[role]).toFixed(2)}`).join(' ')
    : '–';
  return (
    `${run.scenario.padEnd(16)} ${connectionsText(run).padStart(3)} conn: ` +
    `${run.okPerSecond.toFixed(1)} ok/s, p50 ${run.latencyMs.p50.toFixed(1)} ms, ` +
    `p99 ${run.latencyMs.p99.toFixed(1)} ms, ` +
    `CPU ms/order ${cpuText}, ${temporalText(run)}, ` +
    `statuses ${JSON.stringify(run.statusCounts)}, ` +
    `others ${othersPercent(run).toFixed(0)}% of a core` +
    (run.discardedNoisy?.length ? ` (${run.discardedNoisy.length} noisy attempts discarded)` : '') +
    (run.burst ? `, ${burstText(run)}` : '') +
    (run.webhook ? `, webhooks ${webhookText(run.webhook)}` : '') +
    (run.lifecycle ? `, ${lifecycleText(run.lifecycle)}` : '') +
    (run.slowWorkflowTasks ? `, ⚠ ${run.slowWorkflowTasks} workflow tasks over 5 s` : '')
  );
}

/** temporalText is a run's Temporal requests per order, for runLine. */
function temporalText(run: RunResult): string {
  const cost = run.temporal;
  if (!cost) return 'Temporal req/order –';
  return (
    `Temporal req/order frontend ${cost.frontendRequestsPerOk.toFixed(2)} ` +
    `persistence ${cost.persistenceRequestsPerOk.toFixed(2)}`
  );
}
