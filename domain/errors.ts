import { ApplicationFailure } from '@temporalio/common';

/**
 * ERROR_STATUS maps every stable SPEC error `code` to its HTTP status. The codes are the
 * machine-readable contract of SPEC.md §1–§8; titles are human text and may change.
 */
export const ERROR_STATUS = {
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  self_approval: 403,
  not_found: 404,
  idempotency_in_progress: 409,
  insufficient_stock: 409,
  insufficient_funds: 409,
  order_expired: 409,
  invalid_transition: 409,
  sku_taken: 409,
  already_completed: 409,
  already_resolved: 409,
  duplicate_submission: 409,
  seats_unavailable: 409,
  rooms_unavailable: 409,
  booking_expired: 409,
  already_decided: 409,
  insufficient_allowance: 409,
  category_limit_exceeded: 409,
  already_participant: 409,
  pause_overlap: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  idempotency_key_reuse: 422,
  currency_mismatch: 422,
  same_account: 422,
  not_a_participant: 422,
  amount_out_of_range: 422,
  throttled: 429,
  backoff: 429,
  hold_limit: 429,
  internal: 500,
  unavailable: 503,
} as const;

/** ErrorCode is one stable snake_case machine code from SPEC.md. */
export type ErrorCode = keyof typeof ERROR_STATUS;

const TITLES: Partial<Record<ErrorCode, string>> = {
  malformed_json: 'Malformed JSON body',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed for this role',
  not_found: 'Not found',
  insufficient_stock: 'Insufficient stock',
  insufficient_funds: 'Insufficient funds',
  order_expired: 'Order expired',
  invalid_transition: 'Invalid state transition',
  validation_failed: 'Validation failed',
  amount_out_of_range: 'Amount out of range',
  idempotency_key_reuse: 'Idempotency key reused with a different request',
  idempotency_in_progress: 'A request with this idempotency key is still in progress',
  payload_too_large: 'Request body too large',
  hold_limit: 'Too many seats and room-nights held at once',
  internal: 'Internal error',
  unavailable: 'Service unavailable',
};

/** isErrorCode tells whether a string is one of the SPEC error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** titleFor returns the human title of an error code (its words with spaces when unnamed). */
export function titleFor(code: ErrorCode): string {
  const title = TITLES[code] ?? code.replaceAll('_', ' ');
  return title.charAt(0).toUpperCase() + title.slice(1);
}

/** ProblemExtra holds the extra members of a problem+json body (`lines`, `errors`, …). */
export type ProblemExtra = Record<string, unknown>;

/**
 * DomainError is an expected business refusal (insufficient stock, invalid transition …).
 * It carries a SPEC `code`, whose HTTP status comes from ERROR_STATUS, a human `detail`, and
 * `extra` members for the problem+json body, and `headers` for the HTTP response (`Retry-After`,
 * `RateLimit` … of SPEC.md §1 "Rate limits"; never carried across Temporal). It is never retried.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly extra: ProblemExtra;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail: string,
    extra: ProblemExtra = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'DomainError';
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }

  /** status is the HTTP status of this error's code. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /**
   * toFailure turns this error into a non-retryable ApplicationFailure whose `type` is the code
   * and whose first detail is `extra`, so it crosses activity and workflow boundaries intact.
   */
  toFailure(): ApplicationFailure {
    return ApplicationFailure.create({
      type: this.code,
      message: this.message,
      nonRetryable: true,
      details: [this.extra],
    });
  }
}

/**
 * invalidField is the 422 `validation_failed` refusal that names one request field: `path` is
 * the field, `message` what is wrong with it, `detail` the problem's human summary.
 */
export function invalidField(
  path: string,
  message: string,
  detail = 'The request is not valid',
): DomainError {
  return new DomainError('validation_failed', detail, { errors: [{ path, message }] });
}

/**
 * domainErrorFromFailure walks an error's `cause` chain (WorkflowUpdateFailedError →
 * ActivityFailure → ApplicationFailure …) and returns the DomainError it carries, or undefined
 * when the chain holds no ApplicationFailure with a SPEC code.
 */
export function domainErrorFromFailure(err: unknown): DomainError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current; depth += 1) {
    if (current instanceof DomainError) return current;
    if (current instanceof ApplicationFailure && isErrorCode(current.type)) {
      const extra = (current.details?.[0] ?? {}) as ProblemExtra;
      return new DomainError(current.type, current.message, extra);
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
