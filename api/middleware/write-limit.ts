import type { MiddlewareHandler } from 'hono';
import type { Db } from '../../db/connection';
import { countWrite, type WriteCount } from '../../db/write-limits';
import { DomainError } from '../../domain/errors';
import type { RateLimitView } from '../../domain/order-gate';
import type { AuthUser } from './auth';
import { formatRateLimitHeaders } from './rate-limit-headers';

/*
 * The write limit of SPEC.md §10: WRITES_PER_MINUTE state-changing requests per customer and
 * per operator, staff unlimited, counted in PostgreSQL (db/write-limits.ts) so it holds across
 * API replicas. POST /v1/orders is left to the customer's order gate (SPEC.md §8), which has
 * its own throttle; every other write under /v1 is counted, order actions (pay, cancel)
 * included.
 */

/** WRITE_LIMIT_WINDOW_MS is the write limit's window: one minute (WRITES_PER_MINUTE). */
export const WRITE_LIMIT_WINDOW_MS = 60_000;

/** WRITE_LIMIT_POLICY_NAME names the write limit in the RateLimit headers. */
const WRITE_LIMIT_POLICY_NAME = 'writes';

/** STATE_CHANGING_METHODS are the methods that change state (RFC 9110 §9.2.1: not safe). */
const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * isLimitedWrite tells whether a request counts against the write limit: a state-changing
 * method on any /v1 path but the order submission POST /v1/orders (SPEC.md §10).
 */
export function isLimitedWrite(method: string, path: string): boolean {
  if (!STATE_CHANGING_METHODS.has(method.toUpperCase())) return false;
  return !(method.toUpperCase() === 'POST' && path === '/v1/orders');
}

/** writeRateLimitOf states a counted window as the RateLimit headers do (reset: 1–60 s). */
function writeRateLimitOf(count: WriteCount, writesPerMinute: number): RateLimitView {
  return {
    limit: writesPerMinute,
    remaining: Math.max(0, writesPerMinute - count.writes),
    // A write that waited on the window's row lock reads now() from before the window began.
    resetSeconds: Math.min(
      WRITE_LIMIT_WINDOW_MS / 1000,
      Math.max(1, Math.ceil(count.resetMs / 1000)),
    ),
    windowSeconds: WRITE_LIMIT_WINDOW_MS / 1000,
  };
}

/** WriteLimitOptions configure writeLimit. */
export interface WriteLimitOptions {
  /** db holds the shared windows (`write_limits`). */
  db: Db;
  /** writesPerMinute is WRITES_PER_MINUTE (SPEC.md §10, default 120). */
  writesPerMinute: number;
}

/**
 * countAgainstWriteLimit counts one write of `user` in its window (one atomic upsert) and
 * returns the RateLimit headers its answer carries.
 * @throws DomainError `throttled` (429) with `retryAfterSeconds` (seconds until the window
 *   ends) and the headers `Retry-After`, `RateLimit-Policy` and `RateLimit`, past
 *   `writesPerMinute`.
 */
export async function countAgainstWriteLimit(
  options: WriteLimitOptions,
  user: AuthUser,
): Promise<Record<string, string>> {
  const count = await countWrite(options.db, {
    subject: `${user.role}:${user.sub}`,
    windowMs: WRITE_LIMIT_WINDOW_MS,
  });
  const rateLimit = writeRateLimitOf(count, options.writesPerMinute);
  const headers = formatRateLimitHeaders(WRITE_LIMIT_POLICY_NAME, rateLimit);
  if (count.writes > options.writesPerMinute) {
    throw new DomainError(
      'throttled',
      `At most ${options.writesPerMinute} writes a minute (WRITES_PER_MINUTE); retry in ${rateLimit.resetSeconds} s`,
      { retryAfterSeconds: rateLimit.resetSeconds },
      { ...headers, 'retry-after': String(rateLimit.resetSeconds) },
    );
  }
  return headers;
}

/**
 * writeLimit counts every limited write (isLimitedWrite) with one atomic upsert and refuses those
 * past `writesPerMinute` in the caller's window. Mounted after auth (it needs the caller) and
 * before Idempotency-Key, so a refused write never claims a key. Replays count too: they cost a
 * request like any other. Counted answers carry `RateLimit-Policy` and `RateLimit`.
 * @throws DomainError `throttled` (429), see countAgainstWriteLimit.
 */
export function writeLimit(options: WriteLimitOptions): MiddlewareHandler {
  return async function writeLimitMiddleware(c, next) {
    const user = c.get('user') as AuthUser | undefined;
    if (!user || user.role === 'staff' || !isLimitedWrite(c.req.method, c.req.path)) {
      await next();
      return;
    }
    const headers = await countAgainstWriteLimit(options, user);
    await next();
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  };
}
