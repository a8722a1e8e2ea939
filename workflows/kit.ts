import { ApplicationFailure, condition, type ActivityOptions } from '@temporalio/workflow';
import { domainErrorFromFailure } from '../domain/errors';

/**
 * DB_ACTIVITY_OPTIONS apply to every database activity: a start-to-close timeout above the
 * statement timeout (DB_STATEMENT_TIMEOUT, 8 s), so a crashed worker's activity is retried within
 * seconds, and a
 * bounded exponential retry for infrastructure failures (deadlock, lock timeout, lost
 * connection). Domain failures are non-retryable ApplicationFailures and are never retried.
 */
export const DB_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '100ms',
    backoffCoefficient: 2,
    maximumInterval: '5s',
    maximumAttempts: 25,
  },
};

/**
 * toHandlerFailure turns whatever an activity or child workflow threw into an
 * ApplicationFailure an Update handler may throw: the DomainError it carries, or
 * `unavailable` when infrastructure retries ran out. Throwing anything else from a handler
 * would fail the workflow task instead of the Update.
 */
export function toHandlerFailure(err: unknown): ApplicationFailure {
  const domain = domainErrorFromFailure(err);
  if (domain) return domain.toFailure();
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: 'unavailable', message, nonRetryable: true });
}

/**
 * Mutex serialises the handlers of one workflow that change the same row (pay, cancel, fulfil,
 * expire), so at most one of their activities runs at a time, in arrival order.
 */
export class Mutex {
  private held = false;

  /** runExclusive waits for the mutex, runs `fn`, and releases it even when `fn` throws. */
  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    // A release wakes every waiter in the same activation; re-check after each wake so only
    // the first to resume takes the mutex and the rest wait again.
    while (this.held) await condition(() => !this.held);
    this.held = true;
    try {
      return await fn();
    } finally {
      this.held = false;
    }
  }

  /** isHeld tells whether a handler is inside runExclusive now. */
  get isHeld(): boolean {
    return this.held;
  }
}

/** Rejection is a refusal recorded in a workflow result: SPEC code, detail and extra members. */
export interface Rejection {
  code: string;
  detail: string;
  extra: Record<string, unknown>;
}

/** toRejection records an ApplicationFailure as a plain result value. */
export function toRejection(failure: ApplicationFailure): Rejection {
  return {
    code: failure.type ?? 'unavailable',
    detail: failure.message,
    extra: (failure.details?.[0] ?? {}) as Record<string, unknown>,
  };
}
