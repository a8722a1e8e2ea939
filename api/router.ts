import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { resourceIdFor } from '../domain/ids';
import { createdAtCursorSchema } from '../domain/schemas';
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { Config } from '../config';
import type { Db } from '../db/connection';
import type { Logger } from '../lib/logger';
import { requireRole, type AuthUser, type Role } from './middleware/auth';
import { validationError } from './middleware/errors';
import { assertListLimit } from './middleware/list-limit';
import { recordAnswer } from './middleware/idempotency';

/** ApiDeps are what the HTTP API needs: config, the database, a Temporal client and a logger. */
export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
}

/** AppEnv types Hono's context variables: the verified caller and the request ID. */
export interface AppEnv {
  Variables: { user: AuthUser; requestId: string };
}

/**
 * newRouter returns an OpenAPIHono whose validation failures throw 422 `validation_failed`
 * with `errors: [{path, message}]` (SPEC.md §1), so every resource file validates the same way
 * (a `limit` above the app's LIST_LIMIT_MAX included: assertListLimit), and whose `openapi()`
 * routes note their answer for the request's Idempotency-Key.
 */
export function newRouter(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) throw validationError(result.error as z.ZodError);
      assertListLimit(result, c);
    },
  });
  const openapi = app.openapi.bind(app);
  app.openapi = ((route: RouteConfig, handler: Handler, hook?: never) =>
    openapi(route, answerRecorded(handler), hook)) as unknown as typeof app.openapi;
  return app;
}

/** Handler is a route handler as `openapi()` takes it. */
type Handler = (c: Context<AppEnv>) => Response | Promise<Response>;

/**
 * answerRecorded wraps a route handler so that the Response it returns is also noted for the
 * Idempotency-Key of its request (recordAnswer): the key is settled with the route's own
 * answer even when the request's deadline answered the client first.
 */
function answerRecorded(handler: Handler): Handler {
  return async function recordedHandler(c) {
    const answer = await handler(c);
    recordAnswer(answer);
    return answer;
  };
}

/**
 * jsonBody documents and validates a required JSON request body: `required: true` makes a
 * missing or non-JSON body fail validation (422) instead of being skipped.
 */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true as const, content: { 'application/json': { schema } } };
}

/** responses documents a route's success status and its problem+json errors. */
export function responses(status: 200 | 201, description = 'Success (JSON)') {
  return {
    [status]: { description },
    default: { description: 'RFC 9457 problem+json with a stable `code` (SPEC.md §1)' },
  } as const;
}

/** secured marks a route as needing `Authorization: Bearer <JWT>`. */
export const secured = [{ bearerAuth: [] }];

/**
 * RouteSpec is what differs between holdfast routes: summary, request, success status, and
 * `roles`, the roles that may call it at all (absent: every signed-in caller).
 */
export type RouteSpec = Omit<
  RouteConfig,
  'responses' | 'security' | 'path' | 'method' | 'tags' | 'middleware'
> & {
  status: 200 | 201;
  roles?: readonly Role[];
};

/**
 * routeFor returns a route builder for one OpenAPI tag: `route('post', '/orders', {summary,
 * request, status, roles})` is a `createRoute` definition with bearer auth and the
 * problem+json error response every holdfast route has, typed for `c.req.valid()` like
 * createRoute itself. `roles` becomes route middleware (requireRole) that runs before the
 * request's validators, so the wrong role is 403 whatever its request holds (SPEC.md §1).
 */
export function routeFor(tag: string) {
  return function route<const P extends string, const S extends RouteSpec>(
    method: RouteConfig['method'],
    path: P,
    spec: S,
  ) {
    const { status, roles, ...rest } = spec;
    return createRoute({
      ...rest,
      method,
      path,
      tags: [tag],
      security: secured,
      middleware: roles ? [requireRole(roles)] : [],
      responses: responses(status),
    });
  };
}

/** encodeCursor turns a position into an opaque `cursor` string (base64url JSON). */
export function encodeCursor(position: Record<string, string>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * decodeCursor reads a cursor made by encodeCursor and checks its position with `schema`
 * (each value's type and format), so a forged cursor never reaches SQL, where a bad
 * `createdAt` would fail PostgreSQL's timestamptz cast (a 500 instead of a 422).
 * @throws DomainError `validation_failed` (422, path `cursor` or `cursor.<key>`) for a cursor
 *   that was not ours.
 */
export function decodeCursor<S extends z.ZodObject>(
  cursor: string | undefined,
  schema: S,
): z.infer<S> | undefined {
  if (cursor === undefined) return undefined;
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw validationError({
      issues: [{ path: ['cursor'], message: 'not a cursor this API issued' }],
    } as unknown as z.ZodError);
  }
  const parsed = schema.safeParse(position);
  if (!parsed.success) throw validationError(parsed.error, ['cursor']);
  return parsed.data;
}

/**
 * page wraps one page of a list endpoint (SPEC.md §1: `{items, nextCursor}`): a full page
 * gets a cursor made from its last item's position, a short page ends the list.
 */
export function page<T>(
  items: T[],
  limit: number,
  positionOf: (last: T) => Record<string, string>,
) {
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      items.length === limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}

/** NewestFirstPosition is where a newest-first list stopped: the last row's createdAt and id. */
type NewestFirstPosition = z.infer<typeof createdAtCursorSchema>;

/** afterCursor decodes the `cursor` of a newest-first list (db/paging.ts). @throws 422. */
export function afterCursor(cursor: string | undefined): NewestFirstPosition | undefined {
  return decodeCursor(cursor, createdAtCursorSchema);
}

/** newestFirstPage is `page` for a newest-first list: the next cursor is the last row's position. */
export function newestFirstPage<T extends NewestFirstPosition>(items: T[], limit: number) {
  return page(items, limit, (last) => ({ createdAt: last.createdAt, id: last.id }));
}

/**
 * requestResourceId names the resource a creating request makes: derived from the caller and
 * its Idempotency-Key when there is one (so a retry names the same resource and workflow),
 * else random (SPEC.md §1). `scope` is one per route, never shared: once a key's TTL has
 * passed the caller may use it on another route, and a shared scope would name the first
 * route's resource there (a consume answered with the deposit that key once made).
 */
export function requestResourceId(c: Context, scope: string): string {
  const user = c.get('user') as AuthUser;
  return resourceIdFor({ sub: user.sub, idempotencyKey: c.req.header('idempotency-key'), scope });
}
