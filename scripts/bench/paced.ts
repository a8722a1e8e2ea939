import http from 'node:http';
import type { PreparedScenario } from './scenarios';
import { sleep } from '../../tools/process';

/**
 * LoadOutcome is what one load run produced, whoever generated it: answers by status, its
 * length, requests that timed out or failed on the socket, and every response time in ms.
 */
export interface LoadOutcome {
  statusCounts: Record<string, number>;
  durationSeconds: number;
  timeouts: number;
  socketErrors: number;
  responseTimesMs: number[];
}

/** LoadHandle stops a running load early (Ctrl-C). */
export interface LoadHandle {
  stop(): void;
}

/**
 * runPacedLoad is an open-loop load: it sends `ratePerSecond` requests a second at even
 * intervals, each on its own schedule whatever the answers before it (at most `connections`
 * in flight; a request that would exceed that is counted as late and sent when one returns),
 * for `durationMs`, then waits for the answers in flight. autocannon's `overallRate` sends
 * each second's quota in a burst at the start of the second, which measures a burst of that
 * size, not a steady load (issue 7: p99 at half the peak load).
 * `timeoutMs` bounds one request; `onLoad` receives a handle to stop early.
 */
export async function runPacedLoad(input: {
  apiUrl: string;
  scenario: PreparedScenario;
  ratePerSecond: number;
  connections: number;
  durationMs: number;
  timeoutMs: number;
  onLoad?: (handle: LoadHandle | undefined) => void;
}): Promise<LoadOutcome> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: input.connections });
  const outcome: LoadOutcome = {
    statusCounts: {},
    durationSeconds: input.durationMs / 1000,
    timeouts: 0,
    socketErrors: 0,
    responseTimesMs: [],
  };
  let stopped = false;
  input.onLoad?.({ stop: () => (stopped = true) });
  const inFlight = new Set<Promise<void>>();
  const startedAtMs = performance.now();
  const intervalMs = 1000 / input.ratePerSecond;
  try {
    for (let sent = 0; !stopped; sent += 1) {
      const dueAtMs = startedAtMs + sent * intervalMs;
      if (dueAtMs - startedAtMs >= input.durationMs) break;
      await sleep(Math.max(0, dueAtMs - performance.now()));
      while (inFlight.size >= input.connections) await Promise.race(inFlight);
      const one = sendOne(input, agent, outcome).finally(() => inFlight.delete(one));
      inFlight.add(one);
    }
    await Promise.all(inFlight);
  } finally {
    input.onLoad?.(undefined);
    agent.destroy();
  }
  return outcome;
}

/** sendOne sends the scenario's next request and records its status and response time. */
export async function sendOne(
  input: { apiUrl: string; scenario: PreparedScenario; timeoutMs: number },
  agent: http.Agent,
  outcome: LoadOutcome,
): Promise<void> {
  const next = input.scenario.nextRequest();
  const startedAtMs = performance.now();
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${input.apiUrl}${input.scenario.path}`,
        { method: 'POST', headers: next.headers, agent, timeout: input.timeoutMs },
        (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode ?? 0));
          res.once('error', reject);
        },
      );
      req.once('timeout', () => req.destroy(new TimeoutError()));
      req.once('error', reject);
      req.end(next.body);
    });
    outcome.statusCounts[String(status)] = (outcome.statusCounts[String(status)] ?? 0) + 1;
    outcome.responseTimesMs.push(performance.now() - startedAtMs);
  } catch (err) {
    if (err instanceof TimeoutError) outcome.timeouts += 1;
    else outcome.socketErrors += 1;
  }
}

/** TimeoutError marks a request that passed its timeout. */
class TimeoutError extends Error {}
