/** Formatting of the bench report's figures and markdown tables (report.ts). */
import type { RunResult } from './load';
import type { GateReplayCost } from './replay-cost';

/** fixed shows a figure with `digits` decimals, or – when there is none. */
export const fixed = (value: number | undefined | null, digits: number) =>
  value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);

/** connectionsText is a run's connection count, with its offered rate when capped (`64 @ 27/s`). */
export function connectionsText(run: RunResult): string {
  return run.offeredPerSecond
    ? `${run.connections} @ ${run.offeredPerSecond}/s`
    : String(run.connections);
}

/** latencyText shows a latency in ms: one decimal under 10 ms, whole milliseconds above. */
export const latencyText = (latencyMs: number) => fixed(latencyMs, latencyMs < 10 ? 1 : 0);

/** errorsText lists what was not a definite answer: statuses, timeouts, socket errors. */
export function errorsText(run: RunResult): string {
  const parts = Object.entries(run.unexpected.statuses).map(
    ([status, count]) => `${status}×${count}`,
  );
  if (run.unexpected.timeouts > 0) parts.push(`timeout×${run.unexpected.timeouts}`);
  if (run.unexpected.socketErrors > 0) parts.push(`socket×${run.unexpected.socketErrors}`);
  return parts.length === 0 ? '0' : parts.join(' ');
}

/** table renders rows as a markdown table with right-aligned numeric columns. */
export function table(header: string[], rows: string[][], leftColumns = 1): string {
  const align = header.map((_, index) => (index < leftColumns ? ':--' : '--:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** gateReplayText says what replaying the longest pool gate took; empty without one. */
export function gateReplayText(cost: GateReplayCost | undefined): string {
  if (!cost) return '';
  return (
    `Gate replay after the runs: the longest pool gate's run (${cost.historyEvents} events, ` +
    `${fixed(cost.historyBytes / 1024, 0)} KiB) replays in ${fixed(cost.replayMsMedian, 0)} ms, ` +
    `its first workflow task alone in ${fixed(cost.prefixMsMedian, 0)} ms: ` +
    `${fixed(cost.replayMsPerEvent, 2)} ms per event (medians of 5), what a gate's next ` +
    "workflow task costs the worker's one workflow thread once the gate has left the cache.\n"
  );
}
