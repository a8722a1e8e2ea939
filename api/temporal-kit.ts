import {
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import {
  ApplicationFailure,
  TypedSearchAttributes,
  type SearchAttributePair,
  type SignalDefinition,
  type UpdateDefinition,
  type Workflow,
} from '@temporalio/common';
import { DomainError, domainErrorFromFailure } from '../domain/errors';
import type { StateMachine } from '../domain/state-machine';

/*
 * The client kit: the four Temporal calls every route repeats, written once (ARCHITECTURE.md
 * "api/"). Every workflow refuses in one shape (workflows/kit.ts `Refusal`); the kit turns it
 * back into the DomainError the problem+json renderer shows, so services never touch Temporal
 * failure classes.
 */

/** RunOnceInput names the workflow run a request stands for. */
export interface RunOnceInput<W extends Workflow> {
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
}

/**
 * runOnce starts `workflowId` with reuse policy REJECT_DUPLICATE and returns its result. When
 * a run with that ID exists (running or closed) it attaches to it, so duplicates share one
 * outcome and never run the business fact twice (ARCHITECTURE.md "Rules").
 * @throws DomainError the run's Refusal (its SPEC code); other failures propagate (503).
 */
export async function runOnce<W extends Workflow>(
  client: Client,
  workflow: W,
  input: RunOnceInput<W>,
): Promise<Awaited<ReturnType<W>>> {
  try {
    try {
      return (await client.workflow.execute(workflow, {
        workflowId: input.workflowId,
        taskQueue: input.taskQueue,
        args: input.args,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
      } as Parameters<Client['workflow']['execute']>[1])) as Awaited<ReturnType<W>>;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return (await client.workflow.getHandle<W>(input.workflowId).result()) as Awaited<
        ReturnType<W>
      >;
    }
  } catch (err) {
    throw domainErrorFromFailure(err) ?? err;
  }
}

/** WakeInput names a long-running workflow to wake, or start when it is not running. */
export interface WakeInput<W extends Workflow> {
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  signal: SignalDefinition<[]>;
}

/**
 * wakeOrStart sends `signal` with Signal-with-Start: a running run is woken, else a new run
 * starts with `args` (reuse policy ALLOW_DUPLICATE: a dispatcher that ended may run again).
 * Safe to repeat. @throws what the client throws when Temporal is unreachable (503).
 */
export async function wakeOrStart<W extends Workflow>(
  client: Client,
  workflow: W,
  input: WakeInput<W>,
): Promise<void> {
  await client.workflow.signalWithStart(workflow, {
    workflowId: input.workflowId,
    taskQueue: input.taskQueue,
    args: input.args,
    signal: input.signal,
    signalArgs: [],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
  } as Parameters<Client['workflow']['signalWithStart']>[1]);
}

/** StartWithUpdateInput names the workflow to start (or attach to) and the Update to send. */
export interface StartWithUpdateInput<W extends Workflow, Ret, Args extends unknown[]> {
  workflow: W;
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  update: UpdateDefinition<Ret, Args>;
  updateArgs: Args;
  /**
   * updateId names the Update (idempotentUpdateId: caller + Idempotency-Key + scope), so a
   * keyed retry after a lost answer attaches to the same Update and gets its one outcome, also
   * after the run closed. Undefined: a random ID, a new Update each time.
   */
  updateId?: string;
  /**
   * reusePolicy: REJECT_DUPLICATE for business facts; ALLOW_DUPLICATE_FAILED_ONLY where a failed
   * run may be retried; ALLOW_DUPLICATE for a gate that closes when idle and starts again.
   */
  reusePolicy: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY' | 'ALLOW_DUPLICATE';
  /** searchAttributes are set at start (CustomerId …), so the Web UI finds the run at once. */
  searchAttributes?: SearchAttributePair[];
  /**
   * readStored reads the row the workflow writes (the order, the hold). When the reuse policy
   * refuses a new run after a closed one, the stored row answers, else the run's Refusal.
   * Without it, that WorkflowExecutionAlreadyStartedError propagates (see updateOrConflict).
   */
  readStored?: () => Promise<Ret | undefined>;
  /** deadlineMs (epoch ms) bounds every call, polls included; past it the call fails (503). */
  deadlineMs?: number;
  /**
   * resend sends the Update again when its validator turned it away with a failure of type
   * `rejectedAs` (a gate continuing as new), up to `attemptsMax` sends, `delayMs` apart.
   */
  resend?: { rejectedAs: string; attemptsMax: number; delayMs: number };
}

/**
 * startWithUpdate sends `update` with Update-with-Start (conflict policy USE_EXISTING): a new
 * run starts when none is running, a duplicate attaches to the running one, and after a
 * closed run the answer comes from answerFromClosedRun.
 * @throws DomainError the Update's or the closed run's Refusal; other failures propagate.
 */
export async function startWithUpdate<W extends Workflow, Ret, Args extends unknown[]>(
  client: Client,
  input: StartWithUpdateInput<W, Ret, Args>,
): Promise<Ret> {
  const send = () => sendWithStart(client, input);
  const call =
    input.deadlineMs === undefined ? send : () => client.withDeadline(input.deadlineMs!, send);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (err) {
      const { resend } = input;
      if (!resend || attempt >= resend.attemptsMax || failureTypeOf(err) !== resend.rejectedAs)
        throw err;
      await new Promise((resolve) => setTimeout(resolve, resend.delayMs));
    }
  }
}

/** failureTypeOf is the type of the first ApplicationFailure in an error's cause chain. */
function failureTypeOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current; depth += 1) {
    if (current instanceof ApplicationFailure) return current.type ?? undefined;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** sendWithStart sends one Update-with-Start of startWithUpdate (a start operation is single-use). */
async function sendWithStart<W extends Workflow, Ret, Args extends unknown[]>(
  client: Client,
  input: StartWithUpdateInput<W, Ret, Args>,
): Promise<Ret> {
  const startWorkflowOperation = new WithStartWorkflowOperation(input.workflow, {
    workflowId: input.workflowId,
    taskQueue: input.taskQueue,
    args: input.args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: input.reusePolicy,
    ...(input.searchAttributes
      ? { typedSearchAttributes: new TypedSearchAttributes(input.searchAttributes) }
      : {}),
  } as unknown as ConstructorParameters<typeof WithStartWorkflowOperation<W>>[1]);
  try {
    return await client.workflow.executeUpdateWithStart(input.update, {
      args: input.updateArgs,
      startWorkflowOperation,
      ...(input.updateId === undefined ? {} : { updateId: input.updateId }),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError && input.readStored)
      return answerFromClosedRun(client, input.workflowId, input.readStored);
    throw domainErrorFromFailure(err) ?? err;
  }
}

/**
 * answerFromClosedRun answers a request whose workflow run has closed: the stored row when the
 * run wrote one, else the run's Refusal (a refused run fails with it).
 * @throws DomainError the closed run's Refusal; Error when a run closed without either.
 */
export async function answerFromClosedRun<Ret>(
  client: Client,
  workflowId: string,
  readStored: () => Promise<Ret | undefined>,
): Promise<Ret> {
  const stored = await readStored();
  if (stored !== undefined) return stored;
  try {
    await client.workflow.getHandle(workflowId).result();
  } catch (err) {
    throw domainErrorFromFailure(err) ?? err;
  }
  throw new Error(`workflow ${workflowId} closed without a stored row or a refusal`);
}

/**
 * updateOrConflict sends an Update; a Refusal comes back as its DomainError. When Temporal
 * refuses it without one (the run closed), `conflictOfStored` names the 409 from the row. A
 * failure in transit propagates (503): the Update may have run, so the row cannot tell, and
 * the client's keyed retry names the same Update. @throws DomainError the Refusal or conflict.
 */
export async function updateOrConflict<Ret>(
  send: () => Promise<Ret>,
  conflictOfStored: () => Promise<DomainError | undefined>,
): Promise<Ret> {
  try {
    return await send();
  } catch (err) {
    const refusal = domainErrorFromFailure(err);
    if (refusal) throw refusal;
    if (err instanceof ServiceError || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
      throw err;
    const conflict = await conflictOfStored();
    throw conflict ?? err;
  }
}

/** TerminalConflictInput describes a row with a state machine (orders, bookings, holds). */
export interface TerminalConflictInput<S extends string> {
  /** read reads the stored row (it exists: the caller has read it before sending). */
  read: () => Promise<{ status: S } | undefined>;
  machine: StateMachine<S>;
  /** target is the status the Update was asked to reach. */
  target: S;
}

/**
 * terminalConflict is the `conflictOfStored` of updateOrConflict for a row whose workflow
 * closes in a terminal status: there, the machine's refusal of `from → target` is the conflict
 * (409 `invalid_transition`, `order_expired`, `already_resolved` …); otherwise there is none.
 */
export function terminalConflict<S extends string>(
  input: TerminalConflictInput<S>,
): () => Promise<DomainError | undefined> {
  return async () => {
    const row = await input.read();
    if (!row || !input.machine.terminal.includes(row.status)) return undefined;
    try {
      input.machine.assertTransition(row.status, input.target);
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
    return undefined;
  };
}

/** EntityUpdateInput is an Update to the workflow of a stateful row and what it should reach. */
export interface EntityUpdateInput<
  S extends string,
  Ret,
  Args extends [unknown],
> extends TerminalConflictInput<S> {
  workflowId: string;
  update: UpdateDefinition<Ret, Args>;
  args: Args;
  /** updateId names the Update (idempotentUpdateId), so a keyed retry gets its one outcome. */
  updateId?: string;
}

/**
 * sendEntityUpdate sends an Update to the workflow of an order, booking or hold. When the run
 * has closed, the stored row decides (terminalConflict): the machine's 409 for its status.
 * @throws DomainError the Refusal or the conflict; a failure in transit propagates (503).
 */
export function sendEntityUpdate<S extends string, Ret, Args extends [unknown]>(
  client: Client,
  input: EntityUpdateInput<S, Ret, Args>,
): Promise<Ret> {
  const handle = client.workflow.getHandle(input.workflowId);
  return updateOrConflict(
    () =>
      handle.executeUpdate(input.update, {
        args: input.args,
        ...(input.updateId === undefined ? {} : { updateId: input.updateId }),
      }),
    terminalConflict(input),
  );
}
