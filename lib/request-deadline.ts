import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * The deadline of the HTTP request whose work runs now (REQUEST_TIMEOUT), carried through
 * AsyncLocalStorage so the database layer can bound a request's own writes by it (SPEC.md §1:
 * a write must not outlive the Idempotency-Key lease that guards it) without every function
 * passing it along. Activities run outside any request and see none.
 */

/** RequestDeadline is one request's deadline and whether its client was already answered 503. */
export interface RequestDeadline {
  /** deadlineMs is when the request's time runs out (epoch ms). */
  readonly deadlineMs: number;
  /** abandoned turns true when the client got its 503 while the handler still runs. */
  abandoned: boolean;
  /**
   * guardsKey turns true once the request holds an Idempotency-Key: from then on even its
   * single-statement writes run bounded by the deadline (db/transaction.ts `execute`).
   */
  guardsKey?: boolean;
}

const deadlines = new AsyncLocalStorage<RequestDeadline>();

/** runWithDeadline runs `fn` with `deadline` as the current request's deadline. */
export function runWithDeadline<T>(deadline: RequestDeadline, fn: () => T): T {
  return deadlines.run(deadline, fn);
}

/** currentDeadline is the deadline of the request whose work runs now, if any. */
export function currentDeadline(): RequestDeadline | undefined {
  return deadlines.getStore();
}

/**
 * outsideDeadline runs `fn` with no request deadline: for bookkeeping that must go on after
 * the request's time ran out (settling its Idempotency-Key with the handler's late answer).
 */
export function outsideDeadline<T>(fn: () => T): T {
  return deadlines.exit(fn);
}

/** remainingMs is how long the current request has left (ms, may be ≤ 0), or undefined. */
export function remainingMs(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline.deadlineMs - Date.now();
}
