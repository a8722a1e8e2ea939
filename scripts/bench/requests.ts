import { randomUUID } from 'node:crypto';
import type { HoldfastPathWith, HoldfastRequestBody } from '../../client/index';

/**
 * jsonHeaders are the headers of one request: JSON, a fresh Idempotency-Key (none when not
 * `keyed`), a bearer token.
 */
export function jsonHeaders(token?: string, keyed = true): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(keyed ? { 'idempotency-key': randomUUID() } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/**
 * jsonFor is the raw JSON body autocannon sends to `path`, type-checked against the body that
 * path's zod schema accepts (client/openapi.ts), so a changed route breaks the bench's build.
 */
export function jsonFor<P extends HoldfastPathWith<'post'>>(
  _path: P,
  body: HoldfastRequestBody<P>,
): string {
  return JSON.stringify(body);
}
