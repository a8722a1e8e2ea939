import type { Context, MiddlewareHandler } from 'hono';
import { DomainError } from '../../domain/errors';

/*
 * LIST_LIMIT_MAX (config.ts) per app. The route schemas (domain/schemas.ts pageQuerySchema) are
 * built once for every app and keep only the outer bound LIST_LIMIT_MAX_MAX; the app's own
 * maximum travels on the request's context (listLimit) and is checked where the query was just
 * validated (assertListLimit, from the router's validation hook), so a caller with the wrong
 * role still gets 403 first, as for any other invalid query.
 */

/** LIST_LIMIT_MAX_VAR is the context variable holding the app's LIST_LIMIT_MAX. */
export const LIST_LIMIT_MAX_VAR = 'listLimitMax';

/** ListLimitOptions configure listLimit. */
export interface ListLimitOptions {
  /** listLimitMax is the largest `?limit=` a list endpoint takes (LIST_LIMIT_MAX). */
  listLimitMax: number;
}

/** listLimit puts the app's LIST_LIMIT_MAX on each request's context for assertListLimit. */
export function listLimit(options: ListLimitOptions): MiddlewareHandler {
  return async function listLimitMiddleware(c, next) {
    c.set(LIST_LIMIT_MAX_VAR, options.listLimitMax);
    await next();
  };
}

/** ValidatedPart is a request part as the router's validation hook sees it after success. */
export interface ValidatedPart {
  target: string;
  data: unknown;
}

/**
 * assertListLimit refuses a validated query whose `limit` is above the app's LIST_LIMIT_MAX
 * (set by listLimit; without it there is nothing to check) with 422 `validation_failed` and
 * `errors: [{path: 'limit', …}]`, the shape of every validation failure (SPEC.md §1).
 * @throws DomainError `validation_failed` (422).
 */
export function assertListLimit(part: ValidatedPart, c: Context): void {
  if (part.target !== 'query') return;
  const listLimitMax = c.get(LIST_LIMIT_MAX_VAR) as number | undefined;
  const limit = (part.data as { limit?: unknown } | undefined)?.limit;
  if (listLimitMax === undefined || typeof limit !== 'number' || limit <= listLimitMax) return;
  throw new DomainError('validation_failed', 'The request is not valid', {
    errors: [{ path: 'limit', message: `must be at most ${listLimitMax}` }],
  });
}
