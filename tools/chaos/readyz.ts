import { sleep } from '../process';
import type { FaultRecord } from './fault-log';
import type { Anomalies } from './model';

/** READYZ_POLL_MS is the pause between two /readyz polls during a fault. */
const READYZ_POLL_MS = 200;

/**
 * DownWindow is when a dependency was really down during a fault (epoch ms): from the moment
 * it stopped answering until the moment its restart began (`toMs` unset while still down).
 */
export interface DownWindow {
  fromMs?: number;
  toMs?: number;
}

/**
 * watchReadyz polls GET /readyz every READYZ_POLL_MS until `stop()` and counts on `record`:
 * every poll, every 503 naming `dependency` unreachable, and every 200 whose request began and
 * ended inside `window` (readiness claimed while the dependency was down). A 5xx other than
 * 503 is an anomaly.
 */
export function watchReadyz(input: {
  apiUrl: string;
  dependency: 'postgres' | 'temporal';
  record: FaultRecord;
  window: DownWindow;
  anomalies: Anomalies;
}): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      const startedMs = Date.now();
      const answer = await pollReadyz(input.apiUrl);
      const endedMs = Date.now();
      input.record.readyzPolls += 1;
      if (answer.status === 503 && answer.body?.[input.dependency] === 'unreachable')
        input.record.readyzSaidDown += 1;
      if (answer.status >= 500 && answer.status !== 503) {
        input.record.answers5xx += 1;
        input.anomalies.add('5xx other than 503', `GET /readyz answered ${answer.status}`);
      }
      const { fromMs, toMs } = input.window;
      const inside = fromMs !== undefined && startedMs >= fromMs && (toMs ?? endedMs) >= endedMs;
      if (answer.status === 200 && inside) input.record.readyzSaidReady += 1;
      await sleep(READYZ_POLL_MS);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/**
 * pollReadyz asks /readyz once (10 s at most: its own checks take up to 2 s each, more on a
 * busy machine); status 0 when it did not answer.
 */
async function pollReadyz(apiUrl: string): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}
