import http from 'node:http';
import { sendOne, type LoadHandle, type LoadOutcome } from './paced';
import type { PreparedScenario } from './scenarios';

/**
 * runBurst sends the scenario's `burst` requests at one instant (the demo's drop: every buyer
 * at once), each on its own keep-alive connection, and waits for every answer. Its
 * `durationSeconds` is the time from the first send to the last answer; the response times
 * give p50/p99. `onLoad` receives a handle that only marks the run stopped: a burst's requests
 * are all in flight at once, so Ctrl-C ends the bench instead.
 */
export async function runBurst(input: {
  apiUrl: string;
  scenario: PreparedScenario;
  timeoutMs: number;
  onLoad?: (handle: LoadHandle | undefined) => void;
}): Promise<LoadOutcome> {
  const count = input.scenario.burst ?? 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, count) });
  const outcome: LoadOutcome = {
    statusCounts: {},
    durationSeconds: 0,
    timeouts: 0,
    socketErrors: 0,
    responseTimesMs: [],
  };
  input.onLoad?.({ stop: () => undefined });
  const startedAtMs = performance.now();
  try {
    await Promise.all(Array.from({ length: count }, () => sendOne(input, agent, outcome)));
    outcome.durationSeconds = (performance.now() - startedAtMs) / 1000;
  } finally {
    input.onLoad?.(undefined);
    agent.destroy();
  }
  return outcome;
}
