import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { findAllowanceBalance } from '../../db/allowances';
import { insertOrderFailure } from '../../db/order-failures';
import type { AllowanceBalanceView } from '../../domain/allowances';
import type { DomainError } from '../../domain/errors';
import { auditCartOf } from '../../domain/order-failures-cart';
import type { ValidationErrorEntry } from '../../domain/order-failures';
import type { OrderLineInput, PayAtPlacement } from '../../domain/orders';
import type { AuthUser } from '../middleware/auth';
import { httpRefusalOf } from '../middleware/errors';
import { isKeyRefusal } from '../middleware/idempotency';
import { countAgainstWriteLimit } from '../middleware/write-limit';
import { requestResourceId, type ApiDeps, type AppEnv } from '../router';

/*
 * The failed-attempt audit of SPEC.md §8: every refused POST /v1/orders writes exactly one
 * `order_failures` row (db/order-failures.ts), after the refusal and never for a success. The
 * API writes it because it sees every refusal in one place: its own validation, the cart, and
 * whatever the customer's gate refused (throttle, backoff, duplicate, stock, allowance). A
 * replayed Idempotency-Key answers from the stored response and writes nothing again.
 */

/** RequestMeta is where a submission came from: client IP and user agent, when known. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/**
 * requestMetaOf reads the client's IP (the first `X-Forwarded-For` hop when a proxy sets it,
 * else the socket's peer) and its `User-Agent`, for the audit only (never for a decision).
 */
export function requestMetaOf(c: Context): RequestMeta {
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  let ip: string | null = forwarded || null;
  if (!ip) {
    try {
      ip = getConnInfo(c).remote.address ?? null;
    } catch {
      ip = null; // no socket: app.request() in tests
    }
  }
  return { ip, userAgent: c.req.header('user-agent')?.slice(0, 500) ?? null };
}

/** RefusedSubmission is what the audit knows of a refused submission. */
export interface RefusedSubmission {
  user: AuthUser;
  /** orderId is the order a keyed submission names (derived from its key); null without a key. */
  orderId: string | null;
  idempotencyKey: string | undefined;
  /** cart is the snapshot: the lines as submitted (or read from the cart), or the raw body. */
  cart: unknown;
  /** lines are the merged lines when the submission got that far (they give the cart hash). */
  cartHash: string | null;
  paymentMethod: string | null;
  meta: RequestMeta;
}

/**
 * recordRefusal writes the one `order_failures` row of a refused submission: its SPEC code and
 * status, the reasons (`errors`: code + message each), the cart (at most AUDIT_CART_MAX_BYTES
 * of it, SPEC.md §10: auditCartOf stores a larger one truncated), and for allowance orders the
 * full and available balance read as the row is written (the refusal itself states only the
 * available one, SPEC.md §8).
 */
export async function recordRefusal(
  deps: ApiDeps,
  refused: RefusedSubmission,
  err: DomainError,
): Promise<void> {
  await insertOrderFailure(deps.db, {
    customerId: refused.user.sub,
    actorId: refused.user.sub,
    orderId: refused.orderId,
    code: err.code,
    httpStatus: err.status,
    detail: err.message,
    errors: reasonsOf(err),
    cart: auditCartOf(refused.cart, deps.config.auditCartMaxBytes),
    cartHash: refused.cartHash,
    idempotencyKey: refused.idempotencyKey ?? null,
    paymentMethod: refused.paymentMethod,
    balance: await balanceOf(deps, refused),
    ip: refused.meta.ip,
    userAgent: refused.meta.userAgent,
  });
}

/**
 * recordUngatedRefusal records a submission refused before the gate (bad JSON, refused key,
 * invalid body, empty cart). The gate's throttle never saw it, so it counts against the caller's
 * WRITES_PER_MINUTE (SPEC.md §10); past that limit it becomes 429 `throttled` with no row, so no
 * client grows `order_failures` faster than the limit.
 * @throws DomainError `throttled` (429, with Retry-After and RateLimit headers) past the limit.
 */
export async function recordUngatedRefusal(
  deps: ApiDeps,
  refused: RefusedSubmission,
  err: DomainError,
): Promise<void> {
  const limit = { db: deps.db, writesPerMinute: deps.config.writesPerMinute };
  await countAgainstWriteLimit(limit, refused.user);
  await recordRefusal(deps, refused, err);
}

/**
 * auditUnroutedRefusals gives every refused POST /v1/orders its `order_failures` row (SPEC.md §8)
 * when the route never sees it: 400 `malformed_json`, 415 `unsupported_media_type` (refused by the
 * validator before its hook) and a refused Idempotency-Key (422). Mount after bearer auth, before
 * idempotency. Replays, 401s and staff write nothing; past WRITES_PER_MINUTE the answer becomes
 * 429 `throttled` (recordUngatedRefusal).
 */
export function auditUnroutedRefusals(deps: ApiDeps): MiddlewareHandler<AppEnv> {
  return async function auditUnroutedRefusalsMiddleware(c, next) {
    await next();
    const user = c.get('user');
    if (c.req.method !== 'POST' || user?.role !== 'customer') return;
    const keyRefused = isKeyRefusal(c.error);
    const refusal = keyRefused
      ? (c.error as DomainError)
      : c.error instanceof HTTPException && [400, 415].includes(c.error.status)
        ? httpRefusalOf(c.error)
        : undefined;
    if (!refusal) return;
    const key = c.req.header('idempotency-key');
    await recordUngatedRefusal(
      deps,
      {
        user,
        orderId: key === undefined || keyRefused ? null : requestResourceId(c, 'order'),
        idempotencyKey: key?.slice(0, 255),
        cart: await rawBodyOf(c),
        cartHash: null,
        paymentMethod: null,
        meta: requestMetaOf(c),
      },
      refusal,
    );
  };
}

/** rawBodyOf is a refused body as the audit keeps it: its JSON, or its first 1000 characters. */
export async function rawBodyOf(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { raw: text.slice(0, 1000) };
  }
}

/**
 * cartSnapshotOf is the audit's cart: the lines and how they were to be paid (the method, and
 * `pay` when the order was to be paid at placement).
 */
export function cartSnapshotOf(input: {
  lines: OrderLineInput[];
  fromCart: boolean;
  paymentMethod: string;
  pay?: PayAtPlacement;
}) {
  const { lines, fromCart, paymentMethod, pay } = input;
  return { lines, fromCart, paymentMethod, ...(pay ? { pay } : {}) };
}

/** reasonsOf lists a refusal's reasons: each validation error, or the refusal itself. */
function reasonsOf(err: DomainError): ValidationErrorEntry[] {
  const errors = (err.extra as { errors?: { path?: string; message?: string }[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0)
    return [{ code: err.code, message: err.message }];
  return errors.map((e) => ({
    code: err.code,
    message: e.path ? `${e.path}: ${e.message ?? ''}` : String(e.message ?? ''),
  }));
}

/** balanceOf is the allowance balance to record for an allowance order, read now; else null. */
async function balanceOf(
  deps: ApiDeps,
  refused: RefusedSubmission,
): Promise<AllowanceBalanceView | null> {
  if (refused.paymentMethod !== 'allowance') return null;
  return (await findAllowanceBalance(deps.db, refused.user.sub)) ?? null;
}
