import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { runWithDeadline, type RequestDeadline } from '../../lib/request-deadline';

/** RequestDeadlineOptions configure requestDeadline. */
export interface RequestDeadlineOptions {
  /** timeoutMs caps one request (REQUEST_TIMEOUT): past it the client gets 503. */
  timeoutMs: number;
}

/**
 * requestDeadline answers 503 `unavailable` (with Retry-After) once a request has run
 * `timeoutMs`, and publishes the deadline (lib/request-deadline.ts): the database caps a write's
 * lock and statement timeouts by it, and the Idempotency-Key middleware, seeing the client
 * answered (`abandoned`), keeps the key reserved until the handler's own answer is in, since a
 * key is never released while its write may still happen (SPEC.md §1).
 */
export function requestDeadline(options: RequestDeadlineOptions): MiddlewareHandler {
  return async function requestDeadlineMiddleware(_c, next) {
    const deadline: RequestDeadline = {
      deadlineMs: Date.now() + options.timeoutMs,
      abandoned: false,
    };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        deadline.abandoned = true;
        reject(new HTTPException(503, { message: 'timeout' }));
      }, options.timeoutMs);
    });
    try {
      await Promise.race([runWithDeadline(deadline, next), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}
