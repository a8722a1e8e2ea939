import { createHash } from 'node:crypto';
import type { Config } from '../../config';
import { getCart } from '../../db/carts';
import { DomainError } from '../../domain/errors';
import {
  GATE_ROLLING_OVER,
  submitOrderUpdate,
  THROTTLE_WINDOW_MS,
  type GateAnswer,
  type GatePolicy,
  type OrderSubmission,
  type RateLimitView,
} from '../../domain/order-gate';
import {
  mergeOrderLines,
  type OrderLineInput,
  type PayAtPlacement,
  type PaymentMethod,
} from '../../domain/orders';
import type { PlaceOrderBody } from '../../domain/orders-schemas';
import { CustomerIdKey } from '../../domain/search-attributes';
import { workflowIds } from '../../domain/workflow-ids';
import { orderGateWorkflow } from '../../workflows/order-gate';
import type { AuthUser } from '../middleware/auth';
import { formatRateLimitHeaders } from '../middleware/rate-limit-headers';
import type { ApiDeps } from '../router';
import { startWithUpdate } from '../temporal-kit';

/*
 * Order submissions (SPEC.md §8): what POST /v1/orders sends to the customer's gate
 * `customer-<id>-orders`, and the RateLimit headers of the gate's answers.
 */

/** RATE_LIMIT_POLICY_NAME names the throttle in the RateLimit headers. */
const RATE_LIMIT_POLICY_NAME = 'orders';

/**
 * GATE_RESEND bounds how often a submission is sent again while the gate continues as new
 * (its validator turns submissions away for the few milliseconds that takes).
 */
const GATE_RESEND = { rejectedAs: GATE_ROLLING_OVER, attemptsMax: 50, delayMs: 50 };

/** gatePolicyOf is the GatePolicy of the API's configuration (SPEC.md §8 variables). */
export function gatePolicyOf(config: Config): GatePolicy {
  return {
    submissionsPerMinute: config.orderSubmissionsPerMinute,
    throttleWindowMs: THROTTLE_WINDOW_MS,
    backoffBaseMs: config.orderBackoffBaseMs,
    backoffMaxMs: config.orderBackoffMaxMs,
    backoffResetMs: config.orderBackoffResetMs,
    duplicateWindowMs: config.duplicateWindowMs,
    historyEventsMax: config.orderGateHistoryMax,
  };
}

/** SubmissionRequest is a validated POST /v1/orders: who, what, the order ID and the key. */
export interface SubmissionRequest {
  user: AuthUser;
  body: PlaceOrderBody;
  orderId: string;
  idempotencyKey: string | undefined;
}

/**
 * orderSubmissionOf builds the gate's submission: the lines (the cart's for `fromCart`), merged and
 * sorted, their hash, the submission's hash (duplicate rule), `pay` when asked, and the deadline
 * after which the API stops waiting (now + ORDER_GATE_TIMEOUT).
 * @throws DomainError `validation_failed` (422) when `pay` does not fit the paymentMethod or
 *   `fromCart` finds the cart empty.
 */
export async function orderSubmissionOf(
  deps: ApiDeps,
  request: SubmissionRequest,
): Promise<OrderSubmission> {
  const { user, body } = request;
  if (body.pay) assertPayFitsMethod(body.paymentMethod, body.pay.accountId, 'pay.accountId');
  const lines = mergeOrderLines(body.fromCart ? await cartLines(deps, user.sub) : body.lines!);
  return {
    orderId: request.orderId,
    customerId: user.sub,
    actorId: user.sub,
    lines,
    paymentMethod: body.paymentMethod,
    fromCart: body.fromCart === true,
    ...(body.pay ? { pay: body.pay } : {}),
    cartHash: cartHashOf(lines),
    submissionHash: submissionHashOf({ lines, paymentMethod: body.paymentMethod, pay: body.pay }),
    keyed: request.idempotencyKey !== undefined,
    paymentTtlMs: deps.config.orderPaymentTtlMs,
    deadlineMs: Date.now() + deps.config.orderGateTimeoutMs,
    policy: gatePolicyOf(deps.config),
  };
}

/**
 * assertPayFitsMethod checks a payment's account against the order's payment method: a wallet
 * order names the wallet to debit, an allowance order names none (SPEC.md §4, §8). `path` is
 * where the account sits in the body (`accountId`, `pay.accountId`).
 * @throws DomainError `validation_failed` (422) otherwise.
 */
export function assertPayFitsMethod(
  method: PaymentMethod,
  accountId: string | undefined,
  path: string,
): void {
  if ((method === 'wallet') === (accountId !== undefined)) return;
  const message =
    method === 'wallet'
      ? 'a wallet order is paid from a wallet: give accountId'
      : 'an allowance order is paid from the allowance: leave accountId out';
  throw new DomainError('validation_failed', message, { errors: [{ path, message }] });
}

/** cartHashOf is the SHA-256 (hex) of merged, sorted lines: equal carts hash equal. */
export function cartHashOf(lines: OrderLineInput[]): string {
  const canonical = mergeOrderLines(lines).map((l) => [l.productId, l.quantity]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * submissionHashOf is the SHA-256 (hex) of what an order submission asks for: its merged,
 * sorted lines, its paymentMethod and its `pay` (the account, or none). Two submissions are
 * duplicates (SPEC.md §8) only when they agree on all three: ordering the same lines again to
 * pay them at once, or from another wallet, is a different request.
 */
export function submissionHashOf(submission: {
  lines: OrderLineInput[];
  paymentMethod: PaymentMethod;
  pay: PayAtPlacement | undefined;
}): string {
  const canonical = {
    lines: mergeOrderLines(submission.lines).map((l) => [l.productId, l.quantity]),
    paymentMethod: submission.paymentMethod,
    pay: submission.pay ? { accountId: submission.pay.accountId ?? null } : null,
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** cartLines reads the caller's cart as order lines. @throws 422 when the cart is empty. */
async function cartLines(deps: ApiDeps, customerId: string): Promise<OrderLineInput[]> {
  const { items } = await getCart(deps.db, customerId);
  if (items.length === 0) {
    throw new DomainError('validation_failed', 'The cart is empty', {
      errors: [{ path: 'fromCart', message: 'the cart is empty' }],
    });
  }
  return items;
}

/**
 * submitOrder sends a submission to `customer-<customerId>-orders` by Update-with-Start (conflict
 * USE_EXISTING; reuse ALLOW_DUPLICATE, as an idle gate closes and a new one starts), waiting at
 * most until its deadline. A refusal comes back with RateLimit (and Retry-After) headers set.
 * @throws the gate's DomainErrors, see api/orders/service.ts placeOrder; 503 when Temporal does
 *   not answer in time.
 */
export async function submitOrder(deps: ApiDeps, submission: OrderSubmission): Promise<GateAnswer> {
  try {
    return await startWithUpdate(deps.temporal, {
      workflow: orderGateWorkflow,
      workflowId: workflowIds.customerOrders(submission.customerId),
      taskQueue: deps.config.taskQueue,
      args: [{ customerId: submission.customerId, policy: submission.policy }],
      update: submitOrderUpdate,
      updateArgs: [submission],
      reusePolicy: 'ALLOW_DUPLICATE',
      searchAttributes: [{ key: CustomerIdKey, value: submission.customerId }],
      deadlineMs: submission.deadlineMs,
      resend: GATE_RESEND,
    });
  } catch (err) {
    if (err instanceof DomainError) throw withRateLimitHeaders(err);
    throw err;
  }
}

/**
 * withRateLimitHeaders moves a gate refusal's `rateLimit` extra into the RateLimit headers, and
 * its `retryAfterSeconds` into Retry-After for a 429 (SPEC.md §1 "Rate limits").
 */
function withRateLimitHeaders(err: DomainError): DomainError {
  const { rateLimit, ...extra } = err.extra as { rateLimit?: RateLimitView };
  if (!rateLimit) return err;
  const retryAfterSeconds = (extra as { retryAfterSeconds?: number }).retryAfterSeconds;
  const headers = {
    ...rateLimitHeaders(rateLimit),
    ...(err.status === 429 && retryAfterSeconds !== undefined
      ? { 'retry-after': String(retryAfterSeconds) }
      : {}),
  };
  return new DomainError(err.code, err.message, extra, headers);
}

/**
 * rateLimitHeaders states the throttle in the IETF draft's structured fields
 * (draft-ietf-httpapi-ratelimit-headers-10): `RateLimit-Policy: "orders";q=3;w=60` (quota per
 * window of seconds) and `RateLimit: "orders";r=0;t=42` (remaining, seconds to reset).
 */
export function rateLimitHeaders(rateLimit: RateLimitView): Record<string, string> {
  return formatRateLimitHeaders(RATE_LIMIT_POLICY_NAME, rateLimit);
}
