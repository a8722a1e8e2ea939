import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowIds } from '../../domain/workflow-ids';
import { WORKFLOWS_PATH } from '../../worker/create';

/*
 * What a gate costs once it has left the worker's cache: its next workflow task replays its
 * whole history on the worker's one workflow thread (the SDK's default with reuseV8Context)
 * before the new submission runs. ORDER_GATE_HISTORY_MAX bounds that history, so it bounds this
 * cost; the bench measures it on the longest pool gate after the runs (docs/performance.md,
 * "A gate that has left the cache").
 */

/** REPLAYS is how many times the gate's history is replayed; the median is reported. */
const REPLAYS = 5;

/** GATES_LOOKED_AT bounds the pool gates whose history length is read to find the longest. */
const GATES_LOOKED_AT = 16;

/** GateReplayCost is one gate history's length and what replaying it took, in ms. */
export interface GateReplayCost {
  workflowId: string;
  /** historyEvents is the length of the run replayed (the gate's current run). */
  historyEvents: number;
  /** historyBytes is its size as the server counts it (the run's history size). */
  historyBytes: number;
  /** replayMsMedian is the median wall time of REPLAYS replays in the bench process. */
  replayMsMedian: number;
  /**
   * prefixMsMedian replays the run up to its first completed workflow task the same way: the
   * replay's fixed part (a replay worker's start and stop, a workflow's creation).
   */
  prefixMsMedian: number;
  /** replayMsPerEvent is what each event after that prefix added, in ms. */
  replayMsPerEvent: number;
}

/**
 * measureGateReplay reads the current run of up to GATES_LOOKED_AT of the pool customers'
 * gates (`customer-<sub>-orders`), and replays the longest one, and its first workflow task
 * alone, REPLAYS times each against this checkout's workflow code, bundled once beforehand
 * (not timed). Undefined when no pool gate
 * has a run (no orders scenario ran).
 * @throws Error when the history does not replay (non-determinism would be a bug here).
 */
export async function measureGateReplay(
  temporalAddress: string,
  customerSubs: string[],
): Promise<GateReplayCost | undefined> {
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection });
    let longest: { workflowId: string; events: number; bytes: number } | undefined;
    for (const sub of customerSubs.slice(0, GATES_LOOKED_AT)) {
      const workflowId = workflowIds.customerOrders(sub);
      const info = await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined);
      if (!info?.historyLength) continue;
      if (!longest || info.historyLength > longest.events)
        longest = { workflowId, events: info.historyLength, bytes: info.historySize ?? 0 };
    }
    if (!longest) return undefined;
    const history = await client.workflow.getHandle(longest.workflowId).fetchHistory();
    // Each replay starts and stops a worker, which the default Runtime logs at INFO.
    installQuietRuntime();
    const logger = new DefaultLogger('WARN');
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger });
    const events = history.events ?? [];
    // The run up to its first completed workflow task: what any replay costs before its events.
    const firstTaskEnd = events.findIndex(
      (event) =>
        event.workflowTaskCompletedEventAttributes !== undefined &&
        event.workflowTaskCompletedEventAttributes !== null,
    );
    const prefix = { events: events.slice(0, firstTaskEnd + 1) };
    const replayMs = (h: typeof history) =>
      medianMs(() => Worker.runReplayHistory({ workflowBundle }, h, longest.workflowId));
    const prefixMsMedian = await replayMs(prefix);
    const replayMsMedian = await replayMs(history);
    return {
      workflowId: longest.workflowId,
      historyEvents: events.length,
      historyBytes: longest.bytes,
      replayMsMedian,
      prefixMsMedian,
      replayMsPerEvent: (replayMsMedian - prefixMsMedian) / (events.length - prefix.events.length),
    };
  } finally {
    await connection.close();
  }
}

/** medianMs runs `fn` REPLAYS times and returns the median wall time in ms. */
async function medianMs(fn: () => Promise<unknown>): Promise<number> {
  const timesMs: number[] = [];
  for (let i = 0; i < REPLAYS; i += 1) {
    const startedMs = performance.now();
    await fn();
    timesMs.push(performance.now() - startedMs);
  }
  return timesMs.sort((a, b) => a - b)[Math.floor(REPLAYS / 2)]!;
}

/** installQuietRuntime makes this process's SDK Runtime log at WARN, unless one exists already. */
function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // A Runtime is installed (a second mode of the same bench): it keeps its logger.
  }
}
