import {
  ApplicationFailure,
  condition,
  executeChild,
  inWorkflowContext,
  log,
  patched,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { SearchAttributeKey } from '../domain/search-attributes';
import type { StateMachine } from '../domain/state-machine';
import {
  DomainError,
  domainErrorFromFailure,
  ERROR_STATUS,
  isErrorCode,
  type ErrorCode,
} from '../domain/errors';

/*
 * The workflow kit: the few idioms every holdfast workflow uses, written once (STYLE.md "one
 * idiom per concern"): activity options for database activities, ONE refusal shape, a Mutex,
 * and Entity, the "start with an Update, place once, then serialise writes" pattern of
 * orders and holds (and of bookings to come).
 */

/**
 * DB_RETRY_INTERVAL_MAX caps the wait between two attempts of a database activity: after a
 * dependency comes back, every pending attempt runs again within it, which keeps SPEC.md §10's
 * "released within 60 s of the dependencies' return" with room for the work itself.
 */
export const DB_RETRY_INTERVAL_MAX = '30s';

/**
 * DB_ACTIVITY_OPTIONS apply to every database activity: a timeout above the statement timeout
 * (8 s), so a crashed worker's attempt is retried within seconds, and retries without a
 * maximum (SPEC.md §10 "Decided work always finishes"), at most DB_RETRY_INTERVAL_MAX apart.
 * Refusals (DomainError) are non-retryable.
 */
export const DB_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '100ms',
    backoffCoefficient: 2,
    maximumInterval: DB_RETRY_INTERVAL_MAX,
  },
};

/**
 * DB_LOCAL_ACTIVITY_OPTIONS run a short, idempotent transaction (placing, posting, paying, an
 * order's cancel, fulfil and expiry) as a local activity: one marker and no activity task, so
 * it ends in the workflow task that asked for it. Retries as DB_ACTIVITY_OPTIONS; waits over
 * 2 s become timers.
 */
export const DB_LOCAL_ACTIVITY_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: DB_ACTIVITY_OPTIONS.startToCloseTimeout,
  retry: DB_ACTIVITY_OPTIONS.retry,
  localRetryThreshold: '2s',
};

/**
 * Refusal is the ONE shape in which every workflow says no: a non-retryable ApplicationFailure
 * with the SPEC code as `type`, the detail as message and the extra members as first detail
 * (DomainError.toFailure / domainErrorFromFailure). An Update handler throws it (the workflow
 * goes on); a refused run fails with it, read back with `handle.result()`.
 */
export type Refusal = ApplicationFailure;

/**
 * REFUSED_LOG_MESSAGE is the message of the line a workflow logs for each Refusal it decides;
 * worker/logging.ts pairs it with the SDK's "Workflow failed" line of the same run.
 */
export const REFUSED_LOG_MESSAGE = 'Refused';

/** loggedRefusals are the Refusals logRefusal has logged: toRefusal passes them on as they are. */
const loggedRefusals = new WeakSet<Refusal>();

/** CAUSES_MAX bounds the causes a refusal's log line names. */
const CAUSES_MAX = 4;

/**
 * causesOf lists `err` and its causes, outermost first, as `type: message` (plain strings: a
 * log line leaves the workflow sandbox by structured clone, which drops a failure's type).
 */
function causesOf(err: unknown): string[] {
  const causes: string[] = [];
  for (let at = err; at instanceof Error && causes.length < CAUSES_MAX; at = at.cause) {
    const type = (at as { type?: unknown }).type;
    causes.push(`${typeof type === 'string' ? type : at.name}: ${at.message}`);
  }
  return causes;
}

/**
 * logRefusal logs a Refusal once, where workflow code decides it, with `code` and `detail`:
 * info for a business refusal (4xx), warn with the `causes` for `unavailable`/`internal`, as
 * an operator may have to look. The SDK's "Workflow failed" line carries no code (its failure
 * crossed the sandbox as a plain Error). Skipped outside a workflow and while replaying.
 */
function logRefusal(refusal: Refusal, thrown?: unknown): Refusal {
  if (!inWorkflowContext()) return refusal;
  loggedRefusals.add(refusal);
  const code = refusal.type ?? 'unavailable';
  const fields = { code, detail: refusal.message, ...(thrown ? { causes: causesOf(thrown) } : {}) };
  if (isErrorCode(code) && ERROR_STATUS[code] < 500) log.info(REFUSED_LOG_MESSAGE, fields);
  else log.warn(REFUSED_LOG_MESSAGE, fields);
  return refusal;
}

/** refuse builds a Refusal for a check made in workflow code, and logs it (logRefusal). */
export function refuse(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
  return logRefusal(new DomainError(code, detail, extra).toFailure());
}

/**
 * toRefusal turns whatever an activity, a child workflow or a check threw into a Refusal: the
 * domain refusal it carries, or `unavailable` (503) for anything else (a child run that was
 * terminated by hand). Database activities never get here for an outage: they retry without
 * end. Throwing anything else from a handler would fail the workflow task instead of the Update.
 */
export function toRefusal(err: unknown): Refusal {
  // A Refusal thrown again (a write's own refuse(), a placement's) was logged where decided.
  if (err instanceof ApplicationFailure && loggedRefusals.has(err)) return err;
  const domain = domainErrorFromFailure(err);
  if (domain) return logRefusal(domain.toFailure());
  const message = err instanceof Error ? err.message : String(err);
  return logRefusal(
    ApplicationFailure.create({ type: 'unavailable', message, nonRetryable: true }),
    err,
  );
}

/** refusing runs `fn` and turns whatever it throws into a Refusal (toRefusal). */
export async function refusing<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toRefusal(err);
  }
}

/**
 * PAY_ONCE_LOCAL is the `patched()` under which a pay-once child pays in a local activity: one
 * workflow task and no activity task per payment (docs/performance.md "Whole lifecycles").
 * Runs started before it replay their activity task (`*-payment-activity.json`).
 */
export const PAY_ONCE_LOCAL = 'pay-once-local';

/** PayOnceActivity is a pay-once child's payment: the same activity, proxied both ways. */
export interface PayOnceActivity<I, T> {
  activity: (input: I & { transferId: string }) => Promise<T>;
  local: (input: I & { transferId: string }) => Promise<T>;
}

/**
 * payOnceChild is the body of a pay-once child (`order-<id>-payment`, `booking-<id>-payment`):
 * its workflow ID is the ledger transfer ID, so duplicate runs pay once (SPEC.md §4, §6). A
 * refusal fails the run, and a later run with the same ID may retry (ALLOW_DUPLICATE_FAILED_ONLY).
 */
export function payOnceChild<I, T>(pay: PayOnceActivity<I, T>, input: I): Promise<T> {
  const run = patched(PAY_ONCE_LOCAL) ? pay.local : pay.activity;
  return refusing(() => run({ ...input, transferId: workflowInfo().workflowId }));
}

/**
 * Mutex serialises the handlers of one workflow that change the same row (pay, cancel,
 * fulfil, expire), so at most one of their activities runs at a time, in arrival order.
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
}

/** EntityHooks observe an Entity: after placement, a refusal, and each change of its value. */
export interface EntityHooks<T> {
  /** onPlaced runs once the placement succeeded (upsert search attributes here). */
  onPlaced?: (value: T) => void;
  /** onRefused runs once the placement was refused. */
  onRefused?: (refusal: Refusal) => void;
  /** onChanged runs after a write replaced the value with a new one. */
  onChanged?: (value: T) => void;
}

/**
 * Entity is the state of a workflow that is started by an Update-with-Start, places its
 * business fact once, and then changes it one write at a time (orders, holds, bookings).
 * `place` runs at most once: the start Update and the workflow body await the same attempt.
 * Writes run under one Mutex, after placement, and whatever they throw leaves as a Refusal.
 */
export class Entity<T> {
  private value: T | undefined;
  private refusalOf: Refusal | undefined;
  private placing: Promise<void> | undefined;
  private readonly writes = new Mutex();

  constructor(
    private readonly place: () => Promise<T>,
    private readonly hooks: EntityHooks<T> = {},
  ) {}

  /** settle runs the placement once (later callers await the same attempt); never throws. */
  settle(): Promise<void> {
    this.placing ??= (async () => {
      try {
        this.value = await this.place();
        this.hooks.onPlaced?.(this.value);
      } catch (err) {
        this.refusalOf = toRefusal(err);
        this.hooks.onRefused?.(this.refusalOf);
      }
    })();
    return this.placing;
  }

  /** placed awaits the placement and returns the current value. @throws its Refusal. */
  async placed(): Promise<T> {
    await this.settle();
    if (this.refusalOf) throw this.refusalOf;
    return this.value!;
  }

  /** refusal is the placement's Refusal, once settled as refused. */
  get refusal(): Refusal | undefined {
    return this.refusalOf;
  }

  /** placedValue is the current value once placed, else undefined (for Queries). */
  get placedValue(): T | undefined {
    return this.value;
  }

  /** current is the value after placement. Asserts that placement succeeded. */
  get current(): T {
    if (this.value === undefined) throw new Error('Entity read before it was placed');
    return this.value;
  }

  /**
   * changeWhenDue waits up to `ms` (one workflow timer) while `due(current)` holds. When the
   * timer wins, it writes `change` under the mutex, unless a write that was in flight left the
   * value no longer due (an expiry or completion that a payment or cancel overtook). The
   * timers of orders and bookings (expiry after the TTL, completion at arrival) are this.
   */
  async changeWhenDue(ms: number, due: (value: T) => boolean, change: (value: T) => Promise<T>) {
    if (await condition(() => !due(this.current), ms)) return;
    await this.write(async (current) => (due(current) ? change(current) : current));
  }

  /**
   * write waits for placement (throwing its Refusal), then, under the mutex, runs `change`
   * with the current value; a new value it returns replaces the current one (onChanged runs),
   * returning the same value changes nothing. @throws Refusal for whatever `change` threw.
   */
  async write(change: (current: T) => Promise<T>): Promise<T> {
    await this.placed();
    return this.writes.runExclusive(async () => {
      let next: T;
      try {
        next = await change(this.value!);
      } catch (err) {
        throw toRefusal(err);
      }
      if (next !== this.value) {
        this.value = next;
        this.hooks.onChanged?.(next);
      }
      return next;
    });
  }
}

/** StatusHookOptions say what statusHooks upserts besides the status after each change. */
export interface StatusHookOptions<T> {
  /** atPlacement: upsert at placement too (the status and these pairs); none: set at start. */
  atPlacement?: (placed: T) => SearchAttributeUpdatePair[];
  /** rejectedAs is the status upserted when the placement is refused. */
  rejectedAs?: string;
}

/** statusHooks keep the search attribute `key` equal to the entity's status (SPEC.md §9). */
export function statusHooks<T extends { status: string }>(
  key: SearchAttributeKey,
  options: StatusHookOptions<T> = {},
): EntityHooks<T> {
  const upsert = (status: string, extra: SearchAttributeUpdatePair[] = []) =>
    upsertSearchAttributes([{ key, value: status } as SearchAttributeUpdatePair, ...extra]);
  const { atPlacement, rejectedAs } = options;
  return {
    ...(atPlacement ? { onPlaced: (placed: T) => upsert(placed.status, atPlacement(placed)) } : {}),
    ...(rejectedAs ? { onRefused: () => upsert(rejectedAs) } : {}),
    onChanged: (changed) => upsert(changed.status),
  };
}

/** PayOnceOptions name the pay-once child a StatefulEntity runs to reach its paid status. */
export interface PayOnceOptions<I> {
  child: (input: I) => Promise<unknown>;
  workflowId: string;
  input: I;
}

/**
 * StatefulEntity is an Entity whose value follows a state machine (orders, bookings, holds):
 * each write names its target status and is refused (409) when the machine has no such edge.
 */
export class StatefulEntity<S extends string, T extends { status: S }> extends Entity<T> {
  constructor(
    place: () => Promise<T>,
    private readonly machine: StateMachine<S>,
    hooks: EntityHooks<T> = {},
  ) {
    super(place, hooks);
  }

  /** moveTo checks `current → target`, then writes `change` (Entity.write). @throws Refusal. */
  moveTo(target: S, change: (current: T) => Promise<T>): Promise<T> {
    return this.write(async (current) => {
      this.machine.assertTransition(current.status, target);
      return change(current);
    });
  }

  /**
   * payOnce reaches `target` through the pay-once child `workflowId` (payOnceChild): already
   * there, it answers the current value, so concurrent pays share one payment.
   */
  payOnce<I>(target: S, pay: PayOnceOptions<I>): Promise<T> {
    return this.write(async (current) => {
      if (current.status === target) return current;
      this.machine.assertTransition(current.status, target);
      return (await executeChild(pay.child, {
        workflowId: pay.workflowId,
        args: [pay.input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      })) as T;
    });
  }

  /** settledInTerminal resolves once the value reached a terminal status of the machine. */
  async settledInTerminal(): Promise<S> {
    await condition(() => this.machine.terminal.includes(this.current.status));
    return this.current.status;
  }
}
