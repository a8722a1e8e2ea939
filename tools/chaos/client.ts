import { requestJson, type ApiResult, type FetchLike } from '../http';
import { sleep } from '../process';
import type { FaultLog } from './fault-log';
import {
  newWorkloadStats,
  type Anomalies,
  type Outcome,
  type WorkloadName,
  type WorkloadStats,
} from './model';

/** ChaosRequest is one logical request: the same method, path, body and key on every attempt. */
export interface ChaosRequest {
  method: 'GET' | 'POST';
  path: string;
  token: string;
  body?: unknown;
  /** key is the Idempotency-Key, sent unchanged on every retry. */
  key?: string;
}

/** KeyedCall is one keyed logical request a client sent and how it ended. */
export interface KeyedCall {
  workload: WorkloadName;
  request: ChaosRequest;
  /** outcome is the story's own Outcome object (the final key check may settle it). */
  outcome: Outcome;
}

/** ClientBounds bound the retries of one logical request. */
export interface ClientBounds {
  /** attemptTimeoutMs aborts one attempt (AbortSignal.timeout). */
  attemptTimeoutMs: number;
  /** attemptsMax bounds the attempts of one request. */
  attemptsMax: number;
  /** backoffMaxMs caps the pause between attempts (200 ms × 2^n before the cap). */
  backoffMaxMs: number;
}

/**
 * ChaosClient sends requests over real HTTP and retries as a real client would: after a
 * timeout, a connection error, a 503, a 429 or a 409 `idempotency_in_progress` it sends the
 * SAME request with the SAME Idempotency-Key again, with backoff, until `attemptsMax` or the
 * run's give-up time. A 5xx other than 503 is an anomaly (and retried). Every answer is
 * counted against the faults under way.
 */
export class ChaosClient {
  readonly stats: Record<WorkloadName, WorkloadStats> = {
    bank: newWorkloadStats(),
    orders: newWorkloadStats(),
    bookings: newWorkloadStats(),
    approvals: newWorkloadStats(),
  };

  /** inFlight counts attempts sent and not yet answered (the API restart waits for some). */
  inFlight = 0;
  /** keyed lists every keyed logical request and its outcome, for the final key check. */
  readonly keyed: KeyedCall[] = [];

  constructor(
    private readonly input: {
      baseUrl: string;
      bounds: ClientBounds;
      /** giveUpAtMs is when (epoch ms) retrying stops: the request ends indeterminate. */
      giveUpAtMs: () => number;
      faults: FaultLog;
      anomalies: Anomalies;
    },
  ) {}

  /** send runs `request` for `workload` to a definite answer or gives up. */
  async send(workload: WorkloadName, request: ChaosRequest): Promise<Outcome> {
    const outcome = await this.retry(workload, request);
    if (request.key !== undefined) this.keyed.push({ workload, request, outcome });
    return outcome;
  }

  /**
   * answerOnce sends `request` once, as its final retry, and returns the answer (status, body,
   * whether it was replayed) or the error of an attempt that got none; counted nowhere.
   */
  async answerOnce(request: ChaosRequest): Promise<ApiResult | Error> {
    return this.attempt(request).catch((err: Error) => err);
  }

  private async retry(workload: WorkloadName, request: ChaosRequest): Promise<Outcome> {
    const stats = this.stats[workload];
    const { bounds } = this.input;
    let reason = 'no attempt';
    const trail: string[] = [];
    for (let attempt = 1; attempt <= bounds.attemptsMax; attempt += 1) {
      if (attempt > 1) {
        if (Date.now() >= this.input.giveUpAtMs()) break;
        stats.retried += 1;
        await sleep(Math.min(200 * 2 ** (attempt - 2), bounds.backoffMaxMs) + Math.random() * 100);
      }
      const answer = await this.attempt(request).catch((err: Error) => err);
      if (answer instanceof Error) {
        reason = `${answer.name}: ${answer.message}`;
        trail.push(answer.name);
        continue;
      }
      this.input.faults.noteAnswer(answer.status);
      const code = typeof answer.body?.code === 'string' ? (answer.body.code as string) : '';
      trail.push(`${answer.status}${code ? ` ${code}` : ''}`);
      if (answer.status >= 500 && answer.status !== 503) {
        this.input.anomalies.add(
          '5xx other than 503',
          `${request.method} ${request.path} answered ${answer.status} ${JSON.stringify(answer.body)}`,
        );
      }
      if (answer.status === 503) stats.answers503 += 1;
      if (isTransient(answer.status, code)) {
        reason = `${answer.status} ${code}`;
        continue;
      }
      if (answer.status < 300) {
        stats.acknowledged += 1;
        if (request.method === 'GET') stats.reads += 1;
        return { kind: 'acked', status: answer.status, body: answer.body, trail };
      }
      stats.refused += 1;
      return { kind: 'refused', status: answer.status, code, body: answer.body, trail };
    }
    stats.indeterminate += 1;
    return { kind: 'indeterminate', reason, trail };
  }

  private async attempt(request: ChaosRequest): Promise<ApiResult> {
    const timeoutMs = this.input.bounds.attemptTimeoutMs;
    const fetchLike: FetchLike = (path, init) =>
      fetch(`${this.input.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    this.inFlight += 1;
    try {
      return await requestJson(fetchLike, request.method, request.path, {
        token: request.token,
        body: request.body,
        key: request.key,
      });
    } finally {
      this.inFlight -= 1;
    }
  }
}

/**
 * isTransient tells an answer a client retries with the same key (the service is down, busy,
 * or still running the first attempt) from a definite one: 5xx, 429, 409
 * `idempotency_in_progress`.
 */
function isTransient(status: number, code: string): boolean {
  return status >= 500 || status === 429 || (status === 409 && code === 'idempotency_in_progress');
}
