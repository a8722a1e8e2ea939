import {
  answerOf,
  createHoldfastClient,
  type HoldfastAnswer,
  type HoldfastClient,
  type HoldfastResult,
} from '../../client/index';
import { signActor, type Actor } from '../../tools/actors';
import { sleep } from '../shared/async';
import type { TypedApi } from '../../tools/resources';

/** Problem is an RFC 9457 body with holdfast's stable `code` and extra members. */
export interface Problem {
  code?: string;
  detail?: string;
  lines?: { productId: string; requested: number; available: number }[];
}

/** DemoResult is one HTTP exchange plus its replay header, attempts and wall time. */
export interface DemoResult<T> extends HoldfastAnswer<T> {
  attempts: number;
  /** elapsedMs is the wall time of the exchange, retries included. */
  elapsedMs: number;
}

/** ClientOptions say where the service answers, how tokens are signed, and every bound. */
export interface ClientOptions {
  baseUrl: string;
  /** jwtSecret signs the tokens of new actors; it must be the server's JWT_SECRET. */
  jwtSecret: string;
  /** timeoutMs bounds one attempt of one request. */
  timeoutMs: number;
  /** readyTimeoutMs bounds the readiness probe. */
  readyTimeoutMs: number;
  /** attemptsMax bounds the attempts of one request (at least 1). */
  attemptsMax: number;
  /** backoffBaseMs is the back-off unit: attempt n is followed by a pause of backoffBaseMs × 2^n. */
  backoffBaseMs: number;
}

/**
 * DemoClient talks to a running holdfast over real HTTP through the typed client (`api`,
 * client/index.ts): every call goes through `send`, which retries and times it.
 */
export interface DemoClient extends TypedApi {
  baseUrl: string;
  api: HoldfastClient;
  /**
   * send runs one typed call, running it again unchanged (same Idempotency-Key) on a
   * transient refusal (503, 409 idempotency_in_progress) or when no JSON answer came (network
   * error, timeout); throws when the last attempt gets no answer. The body is typed `T`.
   */
  send<T = any>(call: () => Promise<HoldfastResult>): Promise<DemoResult<T>>;
  /** newActor makes a caller with a fresh random `sub` and a token the server accepts. */
  newActor(role: 'customer' | 'staff'): Promise<Actor>;
  /** assertReady throws unless GET /readyz answers 200. */
  assertReady(): Promise<void>;
}

/** ServiceNotReadyError says the service does not answer /readyz with 200: start it first. */
export class ServiceNotReadyError extends Error {}

/** isTransient tells whether a response may be retried with the same request (and key). */
export function isTransient(status: number, body: unknown): boolean {
  return (
    status === 503 ||
    (status === 409 && (body as Problem | null)?.code === 'idempotency_in_progress')
  );
}

/**
 * namedFetch sends one request with the global fetch; a failure names the request's method
 * and path, since the caller's error only says how many attempts failed.
 */
async function namedFetch(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (err) {
    throw new Error(`${request.method} ${new URL(request.url).pathname} got no answer`, {
      cause: err,
    });
  }
}

/** createClient returns a DemoClient for `options.baseUrl`; throws if `attemptsMax` < 1. */
export function createClient(options: ClientOptions): DemoClient {
  if (!(options.attemptsMax >= 1)) throw new Error('attemptsMax must be at least 1');
  const api = createHoldfastClient({
    baseUrl: options.baseUrl,
    fetch: namedFetch,
    timeoutMs: options.timeoutMs,
  });
  const backoff = (attempt: number) => sleep(options.backoffBaseMs * 2 ** attempt);

  async function send<T = any>(call: () => Promise<HoldfastResult>): Promise<DemoResult<T>> {
    const startedAt = performance.now();
    for (let attempt = 1; attempt <= options.attemptsMax; attempt += 1) {
      const last = attempt === options.attemptsMax;
      try {
        const answer = answerOf<T>(await call());
        if (!last && isTransient(answer.status, answer.body)) {
          await backoff(attempt);
          continue;
        }
        const body = (answer.body ?? null) as T;
        return { ...answer, body, attempts: attempt, elapsedMs: performance.now() - startedAt };
      } catch (err) {
        if (last) throw new Error(`request failed after ${attempt} attempts`, { cause: err });
        await backoff(attempt);
      }
    }
    throw new Error('send: no attempt made');
  }

  async function assertReady(): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${options.baseUrl}/readyz`, {
        signal: AbortSignal.timeout(options.readyTimeoutMs),
      });
    } catch (err) {
      throw new ServiceNotReadyError(
        `holdfast is not reachable at ${options.baseUrl} (start it with \`npm run dev\`)`,
        { cause: err },
      );
    }
    if (res.status !== 200)
      throw new ServiceNotReadyError(
        `holdfast at ${options.baseUrl} is not ready: ${res.status} ${await res.text()}`,
      );
  }

  return {
    baseUrl: options.baseUrl,
    api,
    send,
    newActor: (role) => signActor({ role, secret: options.jwtSecret }),
    assertReady,
  };
}
