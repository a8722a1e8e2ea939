import type { ApiResult } from '../http';
import { sleep } from '../process';
import type { ChaosClient, KeyedCall } from './client';
import { describeOutcome } from './expect';
import type { Anomalies, Outcome } from './model';

/** KEY_CHECK_WINDOW_MS bounds how long keys may still answer `in progress` after recovery. */
const KEY_CHECK_WINDOW_MS = 60_000;

/** KEY_CHECK_PAUSE_MS is the pause before the undecided keys are asked again. */
const KEY_CHECK_PAUSE_MS = 5_000;

/** KEY_CHECK_CONCURRENCY bounds the final retries sent at once. */
const KEY_CHECK_CONCURRENCY = 8;

/** KeyCheckSummary is what the final key check found. */
export interface KeyCheckSummary {
  /** keys counts the keyed requests retried once more. */
  keys: number;
  /** settled counts the indeterminate ones that now got their definite answer. */
  settled: number;
  /** undecided counts keys still without one at the end of the window. */
  undecided: number;
  /** changed counts keys whose answer differs from the one their client was given. */
  changed: number;
}

/**
 * checkKeys sends every keyed request of the run once more with its Idempotency-Key (SPEC.md
 * §1: a key has one definite answer, never a permanent 503). An answer that is not definite
 * (5xx, 429, 409 `idempotency_in_progress`, no answer) is asked again KEY_CHECK_PAUSE_MS later
 * until KEY_CHECK_WINDOW_MS has passed, then is an anomaly. A definite answer must be the one
 * the client was given (same status, same refusal code); a request the client never got an
 * answer to takes this one as its outcome (the Outcome object is settled in place), so the
 * checks that follow hold it to it. Run after recovery and before the timers settle: a request
 * that never reached the API runs now.
 */
export async function checkKeys(
  client: ChaosClient,
  anomalies: Anomalies,
): Promise<KeyCheckSummary> {
  const summary: KeyCheckSummary = {
    keys: client.keyed.length,
    settled: 0,
    undecided: 0,
    changed: 0,
  };
  const deadlineMs = Date.now() + KEY_CHECK_WINDOW_MS;
  const last = new Map<KeyedCall, string>();
  let pending = [...client.keyed];
  for (;;) {
    const undecided: KeyedCall[] = [];
    await forEachLimited(pending, KEY_CHECK_CONCURRENCY, async (call) => {
      const answer = await client.answerOnce(call.request);
      const reason = undecidedReason(answer);
      if (reason !== undefined) {
        undecided.push(call);
        last.set(call, reason);
      } else judge(call, answer as ApiResult, summary, anomalies);
    });
    pending = undecided;
    if (pending.length === 0 || Date.now() > deadlineMs) break;
    await sleep(KEY_CHECK_PAUSE_MS);
  }
  summary.undecided = pending.length;
  for (const call of pending)
    anomalies.add(
      'Idempotency-Key without one definite answer',
      `${describeCall(call)}: the final retry still answers ${last.get(call)}`,
    );
  return summary;
}

/** undecidedReason names an answer that is not definite, or undefined for a definite one. */
function undecidedReason(answer: ApiResult | Error): string | undefined {
  if (answer instanceof Error) return `${answer.name}: ${answer.message}`;
  const code = typeof answer.body?.code === 'string' ? (answer.body.code as string) : '';
  if (answer.status >= 500 || answer.status === 429) return `${answer.status} ${code}`;
  if (answer.status === 409 && code === 'idempotency_in_progress') return `409 ${code}`;
  return undefined;
}

/** judge compares a definite final answer with what the client was told, or settles it. */
function judge(
  call: KeyedCall,
  answer: ApiResult,
  summary: KeyCheckSummary,
  anomalies: Anomalies,
): void {
  const { outcome } = call;
  const code = typeof answer.body?.code === 'string' ? (answer.body.code as string) : '';
  if (outcome.kind === 'indeterminate') {
    settle(outcome, answer, code);
    summary.settled += 1;
    return;
  }
  const same =
    outcome.status === answer.status && (outcome.kind === 'acked' || outcome.code === code);
  if (same) return;
  summary.changed += 1;
  anomalies.add(
    'Idempotency-Key without one definite answer',
    `${describeCall(call)}: the final retry answers ${answer.status} ${code} ${JSON.stringify(answer.body).slice(0, 300)}`,
  );
}

/** settle turns an indeterminate Outcome into the definite one its key now answers. */
function settle(outcome: Outcome, answer: ApiResult, code: string): void {
  const trail = [...outcome.trail, `final ${answer.status}${code ? ` ${code}` : ''}`];
  const settled: Outcome =
    answer.status < 300
      ? { kind: 'acked', status: answer.status, body: answer.body, trail }
      : { kind: 'refused', status: answer.status, code, body: answer.body, trail };
  for (const field of Object.keys(outcome)) delete (outcome as Record<string, unknown>)[field];
  Object.assign(outcome, settled);
}

function describeCall(call: KeyedCall): string {
  const { request } = call;
  return `${request.method} ${request.path} with key ${request.key} (${describeOutcome(call.outcome)})`;
}

/** forEachLimited runs `run` on every item, at most `limit` at once. */
async function forEachLimited<T>(
  items: T[],
  limit: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
