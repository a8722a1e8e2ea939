import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  type WorkflowHandle,
} from '@temporalio/client';
import type { TypedSearchAttributes, UpdateDefinition, Workflow } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Activities } from '../../activities';
import { domainErrorFromFailure, type DomainError } from '../../domain/errors';
import { sleep } from '../../tools/process';

/*
 * Workflow tests with mocked activities (STYLE.md, after Temporal's reference apps): the real
 * bundled workflows run on the run's Temporal dev server, on a task queue of their own, with
 * plain async functions for activities. No database is touched: the mocks record their calls
 * and return canned views, so a test asserts what the workflow asked for, and how often.
 */

/** ActivityName names one activity of the Activities type. */
export type ActivityName = keyof Activities;

/** ActivityInput is the input of activity `N`. */
export type ActivityInput<N extends ActivityName> = Parameters<Activities[N]>[0];

/** ActivityCall is one recorded call of a mock activity: its name and its input. */
export interface ActivityCall {
  name: ActivityName;
  input: unknown;
}

/**
 * ActivityLog records every call of the mock activities it wraps. Tests of one file share one
 * worker, so calls are read back per subject: the order or transfer ID a test made up.
 */
export class ActivityLog {
  readonly calls: ActivityCall[] = [];

  /** record wraps `mocks` so each call is logged, with its input, before the mock runs. */
  record<M extends Partial<Activities>>(mocks: M): M {
    const wrapped: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, mock] of Object.entries(mocks)) {
      const run = mock as (input: unknown) => Promise<unknown>;
      wrapped[name] = async (input: unknown) => {
        this.calls.push({ name: name as ActivityName, input });
        return run(input);
      };
    }
    return wrapped as M;
  }

  /**
   * inputsOf returns, in call order, the inputs of `name`'s calls about `subjectId`: those with
   * a top-level field equal to it (`orderId`, `transferId`, a hold's `id`).
   */
  inputsOf<N extends ActivityName>(name: N, subjectId: string): ActivityInput<N>[] {
    return this.calls
      .filter(
        (call) => call.name === name && Object.values(call.input as object).includes(subjectId),
      )
      .map((call) => call.input as ActivityInput<N>);
  }

  /** waitForCall polls every 20 ms until `name` was called about `subjectId`, up to `timeoutMs`. */
  async waitForCall(name: ActivityName, subjectId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inputsOf(name, subjectId).length === 0) {
      if (Date.now() > deadline) throw new Error(`${name} was not called within ${timeoutMs} ms`);
      await sleep(20);
    }
  }
}

/**
 * Gates hold a mock activity mid-flight: a mock awaits `pass(name, subjectId)`, which waits
 * while a test keeps that gate closed. A test closes a gate, lines up Updates or timers
 * behind the held activity, then opens it: interleavings without sleeps.
 */
export class Gates {
  private readonly closed = new Map<string, { opened: Promise<void>; open: () => void }>();

  /** close makes the next `pass(name, subjectId)` wait until `open(name, subjectId)`. */
  close(name: ActivityName, subjectId: string): void {
    let open = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    this.closed.set(`${name}:${subjectId}`, { opened, open });
  }

  /** open lets every waiting and later `pass(name, subjectId)` through. */
  open(name: ActivityName, subjectId: string): void {
    const key = `${name}:${subjectId}`;
    this.closed.get(key)?.open();
    this.closed.delete(key);
  }

  /** openAll opens every gate, so no mock is left hanging when the worker shuts down. */
  openAll(): void {
    for (const gate of this.closed.values()) gate.open();
    this.closed.clear();
  }

  /** pass resolves at once unless the gate `name:subjectId` is closed, then when it opens. */
  async pass(name: ActivityName, subjectId: string): Promise<void> {
    await this.closed.get(`${name}:${subjectId}`)?.opened;
  }
}

/** WorkflowWorkerEnv is what a workflow test file drives: a Client and its worker's queue. */
export interface WorkflowWorkerEnv {
  readonly client: Client;
  readonly taskQueue: string;
}

/**
 * useWorkflowWorker, called at a test file's top level, runs an in-process Worker with the
 * run's bundled workflows (test/helpers/global-setup.ts) and `activities` on a fresh task queue
 * `<taskQueuePrefix>-<uuid>`, and a Client on the same server. Both start in beforeAll; in
 * afterAll `beforeStop` runs (open your Gates there), then the worker shuts down.
 */
export function useWorkflowWorker(input: {
  taskQueuePrefix: string;
  activities: Partial<Activities>;
  beforeStop?: () => void;
}): WorkflowWorkerEnv {
  const taskQueue = `${input.taskQueuePrefix}-${randomUUID()}`;
  let client: Client | undefined;
  let stop: () => Promise<void> = async () => {};
  beforeAll(async () => {
    installQuietRuntime();
    const { temporalAddress, workflowBundlePath } = inject('stack');
    const workerConnection = await NativeConnection.connect({ address: temporalAddress });
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowBundle: { codePath: workflowBundlePath },
      activities: input.activities,
      shutdownGraceTime: '2s',
    });
    const running = worker.run();
    const clientConnection = await Connection.connect({ address: temporalAddress });
    client = new Client({ connection: clientConnection });
    stop = async () => {
      worker.shutdown();
      await running;
      await clientConnection.close();
      await workerConnection.close();
    };
  });
  afterAll(async () => {
    input.beforeStop?.();
    await stop();
  });
  return {
    taskQueue,
    get client(): Client {
      if (!client) throw new Error('useWorkflowWorker: the client is ready once beforeAll ran');
      return client;
    },
  };
}

/**
 * installQuietRuntime keeps this process's SDK logs to errors: the refusals these tests provoke
 * are logged by the SDK as failed activities and workflows (tools/stack/local-stack.ts does the same).
 */
function installQuietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  } catch {
    // Already installed in this process (a second worker in the same file): keep that one.
  }
}

/** UpdateWithStartInput names the workflow to start (or join) and the Update to send it. */
export interface UpdateWithStartInput<W extends Workflow, Ret, Args extends unknown[]> {
  workflow: W;
  workflowId: string;
  args: Parameters<W>;
  update: UpdateDefinition<Ret, Args>;
  updateArgs: Args;
  /** reusePolicy is REJECT_DUPLICATE unless given (ALLOW_DUPLICATE for an order gate). */
  reusePolicy?: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE';
}

/**
 * updateWithStart sends `update` with Update-with-Start, conflict policy USE_EXISTING and reuse
 * policy REJECT_DUPLICATE (or `reusePolicy`), as api/temporal-kit.ts does, on the env's task
 * queue. Unlike the kit it leaves failures as Temporal throws them (WorkflowUpdateFailedError …).
 */
export async function updateWithStart<W extends Workflow, Ret, Args extends unknown[]>(
  env: WorkflowWorkerEnv,
  input: UpdateWithStartInput<W, Ret, Args>,
): Promise<Ret> {
  const startWorkflowOperation = new WithStartWorkflowOperation(input.workflow, {
    workflowId: input.workflowId,
    taskQueue: env.taskQueue,
    args: input.args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: input.reusePolicy ?? 'REJECT_DUPLICATE',
  } as unknown as ConstructorParameters<typeof WithStartWorkflowOperation<W>>[1]);
  return env.client.workflow.executeUpdateWithStart(input.update, {
    args: input.updateArgs,
    startWorkflowOperation,
  });
}

/** Rejection is how an awaited call failed: the raw error and the Refusal it carries, if any. */
export interface Rejection {
  error: unknown;
  refusal: DomainError | undefined;
}

/**
 * rejectionOf awaits `pending`, which must reject, and returns the error with the DomainError
 * its cause chain carries (domainErrorFromFailure). @throws Error when `pending` resolves.
 */
export async function rejectionOf(pending: Promise<unknown>): Promise<Rejection> {
  try {
    await pending;
  } catch (error) {
    return { error, refusal: domainErrorFromFailure(error) };
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/**
 * waitForTimerHandled polls the workflow's history every 50 ms until a timer has fired AND a
 * workflow task completed after it (the workflow has run its code for the timer), up to
 * `timeoutMs`. A test holding an activity behind a Gate then knows the timer really raced it,
 * instead of hoping a sleep was long enough. @throws Error when that does not happen in time.
 */
export async function waitForTimerHandled(
  handle: WorkflowHandle,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await historyOf(handle);
    const fired = events.findIndex((event) => event.timerFiredEventAttributes);
    const handled = events.some(
      (event, index) => fired >= 0 && index > fired && event.workflowTaskCompletedEventAttributes,
    );
    if (handled) return;
    if (Date.now() > deadline) throw new Error(`no timer was handled within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** historyOf is the workflow's history events so far. */
export async function historyOf(handle: WorkflowHandle) {
  return (await handle.fetchHistory()).events ?? [];
}

/** searchAttributeOf reads one typed search attribute of a workflow from `describe()`. */
export async function searchAttributeOf(
  handle: WorkflowHandle,
  key: Parameters<TypedSearchAttributes['get']>[0],
): Promise<unknown> {
  const description = await handle.describe();
  return description.typedSearchAttributes.get(key);
}

/** gRPC status codes of the update poll (grpc/grpc status.proto). */
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_NOT_FOUND = 5;

/**
 * waitForUpdateAdmitted polls the server until it holds the Update `updateId` of workflow
 * `workflowId` (admitted, whether or not a workflow task has taken it yet), up to `timeoutMs`.
 * A test then knows an Update arrived while a write was still in flight, even when that write
 * holds the workflow task. @throws Error when it is not admitted in time.
 */
export async function waitForUpdateAdmitted(
  client: Client,
  ids: { workflowId: string; updateId: string },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // A poll for the ACCEPTED stage answers NOT_FOUND for an Update the server does not hold
      // and waits for one it holds, so a poll that outlives its short deadline found it.
      await client.connection.withDeadline(Date.now() + 500, () =>
        client.workflowService.pollWorkflowExecutionUpdate({
          namespace: client.options.namespace,
          updateRef: { workflowExecution: { workflowId: ids.workflowId }, updateId: ids.updateId },
          identity: 'holdfast-test',
          waitPolicy: { lifecycleStage: 2 }, // UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
        }),
      );
      return;
    } catch (error) {
      const { code } = error as { code?: number };
      if (code === GRPC_DEADLINE_EXCEEDED) return;
      // The server may cancel a waiting poll (its own long-poll context ends): ask again.
      if (code !== GRPC_NOT_FOUND && code !== GRPC_CANCELLED) throw error;
      if (Date.now() > deadline) throw new Error(`update ${ids.updateId} was not admitted`);
      await sleep(50);
    }
  }
}
