import { signActor, type Actor } from '../../test/helpers/actors';
import {
  requestJson,
  type ApiResult,
  type CallOptions,
  type FetchLike,
} from '../../test/helpers/http';
import { sleep } from '../shared/async';

/** Problem is an RFC 9457 body with holdfast's stable `code` and extra members. */
export interface Problem {
  code?: string;
  detail?: string;
  lines?: { productId: string; requested: number; available: number }[];
}

/** DemoResult is one HTTP exchange plus its replay header, attempts and wall time. */
export interface DemoResult<T> extends ApiResult<T> {
  /** replayed is true when the reply carried `Idempotent-Replayed: true`. */
  replayed: boolean;
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

/** DemoClient talks to a running holdfast over real HTTP. */
export interface DemoClient {
  baseUrl: string;
  /**
   * call sends one JSON request, retrying transient refusals (503, 409
   * idempotency_in_progress, network errors, replies that are not JSON) with the same
   * Idempotency-Key; throws when the last attempt fails to get a reply.
   */
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<DemoResult<T>>;
  /** newActor makes a caller with a fresh random `sub` and a token the server accepts. */
  newActor(role: 'customer' | 'staff'): Promise<Actor>;
  /** assertReady throws unless GET /readyz answers 200. */
  assertReady(): Promise<void>;
}

/** isTransient tells whether a response may be retried with the same request (and key). */
export function isTransient(status: number, body: unknown): boolean {
  return (
    status === 503 ||
    (status === 409 && (body as Problem | null)?.code === 'idempotency_in_progress')
  );
}

/** createClient returns a DemoClient for `options.baseUrl`; throws if `attemptsMax` < 1. */
export function createClient(options: ClientOptions): DemoClient {
  if (!(options.attemptsMax >= 1)) throw new Error('attemptsMax must be at least 1');
  const fetchLike: FetchLike = (path, init) =>
    fetch(`${options.baseUrl}${path}`, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
  const backoff = (attempt: number) => sleep(options.backoffBaseMs * 2 ** attempt);

  async function call<T = any>(
    method: string,
    path: string,
    callOptions: CallOptions = {},
  ): Promise<DemoResult<T>> {
    const startedAt = performance.now();
    for (let attempt = 1; attempt <= options.attemptsMax; attempt += 1) {
      const last = attempt === options.attemptsMax;
      try {
        const result = await requestJson<T>(fetchLike, method, path, {
          ...callOptions,
          strictJson: true,
        });
        if (!last && isTransient(result.status, result.body)) {
          await backoff(attempt);
          continue;
        }
        return {
          ...result,
          body: (result.body ?? null) as T,
          replayed: result.headers.get('idempotent-replayed') === 'true',
          attempts: attempt,
          elapsedMs: performance.now() - startedAt,
        };
      } catch (err) {
        if (last)
          throw new Error(`${method} ${path} failed after ${attempt} attempts`, { cause: err });
        await backoff(attempt);
      }
    }
    throw new Error(`${method} ${path}: no attempt made`);
  }

  async function assertReady(): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${options.baseUrl}/readyz`, {
        signal: AbortSignal.timeout(options.readyTimeoutMs),
      });
    } catch (err) {
      throw new Error(
        `holdfast is not reachable at ${options.baseUrl} (start it with \`npm run dev\`)`,
        { cause: err },
      );
    }
    if (res.status !== 200)
      throw new Error(
        `holdfast at ${options.baseUrl} is not ready: ${res.status} ${await res.text()}`,
      );
  }

  return {
    baseUrl: options.baseUrl,
    call,
    newActor: (role) => signActor({ role, secret: options.jwtSecret }),
    assertReady,
  };
}
