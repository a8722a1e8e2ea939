import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../lib/logger';
import { httpRequestDuration, inFlightOperations } from '../../lib/metrics';
import type { AuthUser } from './auth';

/**
 * observeRequests counts in-flight requests, observes each request's latency by route pattern,
 * method and status (SPEC.md §9 `/metrics`), and logs one JSON line per request with
 * `requestId`, the route, status, duration, the caller (`customerId` for customers) and
 * whether the answer was an idempotent replay.
 */
export function observeRequests(options: { logger: Logger }): MiddlewareHandler {
  return async function observeRequestsMiddleware(c, next) {
    inFlightOperations.inc();
    const stopTimer = httpRequestDuration.startTimer();
    try {
      await next();
    } finally {
      inFlightOperations.dec();
      const route = c.req.routePath;
      const durationS = stopTimer({ route, method: c.req.method, status: String(c.res.status) });
      const user = c.get('user') as AuthUser | undefined;
      options.logger.info(
        {
          requestId: c.get('requestId'),
          method: c.req.method,
          route,
          status: c.res.status,
          durationMs: Math.round(durationS * 1000),
          ...(user ? callerFields(user) : {}),
          ...(c.res.headers.get('idempotent-replayed') ? { replayed: true } : {}),
        },
        'request',
      );
    }
  };
}

/** callerFields are the log fields naming the caller: userId, role, customerId for customers. */
function callerFields(user: AuthUser) {
  return {
    userId: user.sub,
    role: user.role,
    ...(user.role === 'customer' ? { customerId: user.sub } : {}),
  };
}
