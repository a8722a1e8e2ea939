import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { TemporalFailure, WorkflowNotFoundError } from '@temporalio/common';
import { ConnectionError } from 'sequelize';
import { rangeRefusalOf } from '../../db/number-range';
import { pgCode } from '../../db/transaction';
import {
  isGrpcServiceError,
  ServiceError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import {
  DomainError,
  ERROR_STATUS,
  titleFor,
  domainErrorFromFailure,
  type ErrorCode,
  type ProblemExtra,
} from '../../domain/errors';
import type { Logger } from '../../lib/logger';

/** PROBLEM_CONTENT_TYPE is the media type of RFC 9457 problem details. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * problemResponse renders an RFC 9457 body `{type, title, status, code, detail, ...extra}`
 * (SPEC.md §1). `type` is a stable URN per code.
 */
export function problemResponse(
  code: ErrorCode,
  detail: string,
  extra: ProblemExtra = {},
  headers: Record<string, string> = {},
): Response {
  const status = ERROR_STATUS[code];
  // Extras come first so they can never overwrite the RFC 9457 members.
  const body = {
    ...extra,
    type: `urn:holdfast:problem:${code}`,
    title: titleFor(code),
    status,
    code,
    detail,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });
}

/** validationError builds the 422 `validation_failed` error with `errors: [{path, message}]`. */
export function validationError(error: z.ZodError, prefix: string[] = []): DomainError {
  const errors = error.issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  return new DomainError('validation_failed', 'The request is not valid', { errors });
}

/**
 * httpRefusalOf names the SPEC refusal an HTTPException of Hono's stands for: 400 (bad JSON)
 * `malformed_json`, 413 `payload_too_large`, 401 `unauthorized`, 415 (not JSON)
 * `unsupported_media_type`, 503 (REQUEST_TIMEOUT ran out) `unavailable` with Retry-After;
 * undefined for any other status (then a 500).
 */
export function httpRefusalOf(err: HTTPException): DomainError | undefined {
  switch (err.status) {
    case 400:
      return new DomainError('malformed_json', 'The body is not valid JSON');
    case 413:
      return new DomainError('payload_too_large', 'The body is larger than 64 KiB');
    case 401:
      return new DomainError('unauthorized', err.message || 'A valid bearer token is required');
    case 415:
      return new DomainError('unsupported_media_type', 'Send the body as application/json');
    case 503:
      return new DomainError(
        'unavailable',
        'The request took longer than REQUEST_TIMEOUT; retry with the same Idempotency-Key',
        {},
        { 'retry-after': '1' },
      );
    default:
      return undefined;
  }
}

/**
 * toProblem maps a thrown error to problem+json: DomainErrors (also inside Temporal failures) and
 * number-range CHECK violations (rangeRefusalOf) keep their code; Hono's bad JSON, oversized and
 * non-JSON bodies become 400 `malformed_json`, 413, 415; an unreachable or refusing Temporal or
 * PostgreSQL becomes 503 `unavailable` (never an unchecked write, SPEC.md §8); anything else is
 * 500 `internal`, logged but never shown.
 */
export function toProblem(err: unknown, c: Context, logger: Logger): Response {
  const domain =
    err instanceof DomainError ? err : (domainErrorFromFailure(err) ?? rangeRefusalOf(err));
  if (domain)
    return problemResponse(domain.code, domain.message, domain.extra, refusalHeaders(domain));
  const fromHono = err instanceof HTTPException ? httpRefusalOf(err) : undefined;
  if (fromHono)
    return problemResponse(fromHono.code, fromHono.message, fromHono.extra, fromHono.headers);
  if (err instanceof z.ZodError)
    return problemResponse(
      'validation_failed',
      'The request is not valid',
      validationError(err).extra,
    );
  if (
    err instanceof ServiceError ||
    // The SDK rethrows an Update-with-Start's own failure as the raw gRPC error, unwrapped: e.g.
    // 9 FAILED_PRECONDITION "Workflow Task in failed state" while a workflow whose task timed
    // out (a worker gone) has not run again; the Update was not accepted, a retry may be.
    isGrpcServiceError(err) ||
    err instanceof WorkflowUpdateFailedError ||
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    err instanceof WorkflowFailedError ||
    err instanceof WorkflowNotFoundError ||
    err instanceof TemporalFailure
  ) {
    logger.error({ err, requestId: c.get('requestId') }, 'temporal call failed');
    return problemResponse(
      'unavailable',
      'The workflow service did not complete the request; retry with the same Idempotency-Key',
      {},
      { 'retry-after': '1' },
    );
  }
  if (isDatabaseUnavailable(err)) {
    logger.error({ err, requestId: c.get('requestId') }, 'database unavailable');
    return problemResponse(
      'unavailable',
      'The database did not answer; retry with the same Idempotency-Key',
      {},
      { 'retry-after': '1' },
    );
  }
  logger.error({ err, requestId: c.get('requestId') }, 'unhandled error');
  return problemResponse('internal', 'An internal error occurred');
}

/**
 * refusalHeaders are a DomainError's headers plus, for a 429 whose body states
 * `retryAfterSeconds`, `Retry-After` (SPEC.md §1 "Rate limits"): headers do not cross
 * Temporal, so a refusal made in an activity (`hold_limit`) states its wait in the body.
 */
function refusalHeaders(err: DomainError): Record<string, string> {
  const retryAfterSeconds = err.extra.retryAfterSeconds;
  if (err.status !== 429 || typeof retryAfterSeconds !== 'number') return err.headers;
  if (Object.keys(err.headers).some((name) => name.toLowerCase() === 'retry-after'))
    return err.headers;
  return { ...err.headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) };
}

/**
 * DATABASE_UNAVAILABLE_CODES are the SQLSTATEs of a database that is down, restarting or
 * overloaded (class 08 connection exceptions are matched by prefix): admin/crash shutdown,
 * cannot connect now, too many connections, and a lock or statement timeout.
 */
const DATABASE_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '55P03', '57014']);

/**
 * isDatabaseUnavailable tells an infrastructure failure of PostgreSQL (no connection, a lost
 * one, a restart, a timeout), which is a 503 a client may retry, from a bug (500).
 */
function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  const code = pgCode(err);
  if (code && (code.startsWith('08') || DATABASE_UNAVAILABLE_CODES.has(code))) return true;
  const message = err instanceof Error ? err.message : '';
  // `not queryable`: pg's answer on a connection PostgreSQL terminated as it was being made
  // (db/connection.ts GuardedClient).
  return /Connection terminated|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT|not queryable/.test(
    message,
  );
}
