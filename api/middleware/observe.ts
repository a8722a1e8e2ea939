import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../lib/logger';
import { httpRequestDuration, inFlightOperations } from '../../lib/metrics';
import { runWithRequestContext, type RequestContext } from '../../lib/request-context';
import type { AuthUser } from './auth';

/**
 * observeRequests counts in-flight requests, observes latency by route pattern, method and
 * status (SPEC.md §9 `/metrics`), and logs one JSON line per request: `requestId`, route, status,
 * duration, caller (`customerId`), idempotent replay, and `workflowId` (`workflowIds` in call
 * order when several) as noted on lib/request-context.ts by the API's Temporal client (SPEC.md §9).
 */
export function observeRequests(options: { logger: Logger }): MiddlewareHandler {
  return async function observeRequestsMiddleware(c, next) {
    inFlightOperations.inc();
    const stopTimer = httpRequestDuration.startTimer();
    const context: RequestContext = { workflowIds: [] };
    try {
      await runWithRequestContext(context, next);
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
          ...workflowFields(context.workflowIds),
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

/** workflowFields are the log fields naming the workflows a request called: none, one or more. */
function workflowFields(workflowIds: readonly string[]) {
  if (workflowIds.length === 0) return {};
  return {
    workflowId: workflowIds[0],
    ...(workflowIds.length > 1 ? { workflowIds: [...workflowIds] } : {}),
  };
}
