import type { MiddlewareHandler } from 'hono';
import { DomainError } from '../../domain/errors';

/** ListLimitOptions configure listLimit. */
export interface ListLimitOptions {
  /** listLimitMax is the largest `?limit=` a list endpoint takes (LIST_LIMIT_MAX, config.ts). */
  listLimitMax: number;
}

/**
 * listLimit refuses a GET whose `?limit=` is a whole number above `listLimitMax` with 422
 * `validation_failed` (`errors: [{path: 'limit', …}]`, the shape of every validation failure,
 * SPEC.md §1). The route schemas (domain/schemas.ts pageQuerySchema) are built once for every
 * app and keep only the outer bound LIST_LIMIT_MAX_MAX; this check applies the app's own
 * configuration. Anything else about `limit` (not a number, below 1) is the schema's to refuse.
 * @throws DomainError `validation_failed` (422).
 */
export function listLimit(options: ListLimitOptions): MiddlewareHandler {
  return async function listLimitMiddleware(c, next) {
    if (c.req.method === 'GET') {
      // Read as the schema's z.coerce.number() reads it (Number), so ' 300' and '3e2' count too.
      const limit = Number(c.req.query('limit') ?? Number.NaN);
      if (Number.isInteger(limit) && limit > options.listLimitMax) {
        throw new DomainError('validation_failed', 'The request is not valid', {
          errors: [{ path: 'limit', message: `must be at most ${options.listLimitMax}` }],
        });
      }
    }
    await next();
  };
}
