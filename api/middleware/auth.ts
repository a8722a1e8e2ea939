import type { MiddlewareHandler } from 'hono';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { DomainError } from '../../domain/errors';

/** Role is what a caller may do (SPEC.md §1): customers shop, staff run the shop, operators sell. */
export type Role = 'customer' | 'staff' | 'operator';

/** AuthUser is the verified caller: `sub` (uuid), its role, and for operators their seller. */
export interface AuthUser {
  sub: string;
  role: Role;
  sellerId?: string;
}

const claimsSchema = z
  .object({
    sub: z.uuid(),
    role: z.enum(['customer', 'staff', 'operator']),
    sellerId: z.uuid().optional(),
  })
  .refine((claims) => claims.role !== 'operator' || claims.sellerId !== undefined, {
    message: 'operator tokens carry sellerId',
  });

/**
 * TOKEN_LIFETIME_MAX_SECONDS is the furthest a token's `exp` may lie ahead: a stolen token is
 * worth a day at most, so tokens without `exp` or expiring later are refused.
 */
export const TOKEN_LIFETIME_MAX_SECONDS = 24 * 3600;

/**
 * bearerAuth verifies `Authorization: Bearer <JWT>` (HS256, `secret`) and stores the caller as
 * `c.var.user`. @throws DomainError `unauthorized` (401) when the token is missing, forged,
 * expired, without `exp` or expiring more than TOKEN_LIFETIME_MAX_SECONDS ahead, or its
 * claims are malformed.
 */
export function bearerAuth(options: { secret: string }): MiddlewareHandler {
  const key = new TextEncoder().encode(options.secret);
  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match) throw new DomainError('unauthorized', 'A bearer token is required');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(match[1]!, key, { algorithms: ['HS256'] }));
    } catch {
      throw new DomainError('unauthorized', 'The bearer token is not valid');
    }
    const exp = (payload as { exp?: unknown }).exp;
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (typeof exp !== 'number' || exp - nowSeconds > TOKEN_LIFETIME_MAX_SECONDS)
      throw new DomainError('unauthorized', 'The bearer token must expire within 24 h');
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success)
      throw new DomainError('unauthorized', 'The bearer token has malformed claims');
    c.set('user', claims.data);
    await next();
  };
}

/**
 * assertRole throws unless the caller has one of `roles`.
 * @throws DomainError `forbidden` (403).
 */
export function assertRole(user: AuthUser, roles: readonly Role[]): void {
  if (!roles.includes(user.role)) {
    throw new DomainError('forbidden', `This needs the role ${roles.join(' or ')}`, {
      role: user.role,
    });
  }
}

/**
 * listedCustomerFor is the customer a list endpoint's `?customerId=` filter stands for: for a
 * customer always themself (naming themself is allowed), for staff the named one or all
 * (undefined). Source: SPEC.md §1, someone else's resource named in the query is 404.
 * @throws DomainError `not_found` (404) when a customer names another customer.
 */
export function listedCustomerFor(user: AuthUser, customerId?: string): string | undefined {
  if (user.role !== 'customer') return customerId;
  if (customerId !== undefined && customerId !== user.sub)
    throw new DomainError('not_found', 'No such customer');
  return user.sub;
}

/**
 * requireRole is route middleware that refuses a caller without one of `roles` before the
 * route validates anything, so the wrong role gets 403 even when its request is also
 * malformed (SPEC.md §1: authorise, then validate). api/router.ts installs it from a route's
 * `roles`; ownership (404) stays with the route, which needs the validated request to judge it.
 * @throws DomainError `forbidden` (403).
 */
export function requireRole(
  roles: readonly Role[],
): MiddlewareHandler<{ Variables: { user: AuthUser } }> {
  return async function requireRoleMiddleware(c, next) {
    assertRole(c.get('user'), roles);
    await next();
  };
}

/**
 * signToken issues an HS256 token for `user`, valid for `ttlSeconds` (default 12 h; more than
 * TOKEN_LIFETIME_MAX_SECONDS makes a token bearerAuth refuses).
 */
export async function signToken(
  user: AuthUser,
  secret: string,
  ttlSeconds = 12 * 3600,
): Promise<string> {
  const claims: Record<string, string> = { role: user.role };
  if (user.sellerId) claims.sellerId = user.sellerId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.sub)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(new TextEncoder().encode(secret));
}
