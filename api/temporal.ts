import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type Client,
} from '@temporalio/client';
import type { TypedSearchAttributes, UpdateDefinition, Workflow } from '@temporalio/common';

/** RunOnceInput names the workflow run a request stands for. */
export interface RunOnceInput<W extends Workflow> {
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
}

/**
 * runWorkflowOnce starts `workflowId` with reuse policy REJECT_DUPLICATE and returns its
 * result. When a run with that ID exists (running or closed), it attaches to it and returns
 * that run's result or throws its failure, so duplicates share one outcome and never run the
 * business fact twice (ARCHITECTURE.md "Rules").
 */
export async function runWorkflowOnce<W extends Workflow>(
  client: Client,
  workflow: W,
  input: RunOnceInput<W>,
): Promise<Awaited<ReturnType<W>>> {
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
}

/** UpdateWithStartInput names the workflow to start (or attach to) and the Update to send. */
export interface UpdateWithStartInput<W extends Workflow, Ret, Args extends unknown[]> {
  workflow: W;
  workflowId: string;
  taskQueue: string;
  args: Parameters<W>;
  update: UpdateDefinition<Ret, Args>;
  updateArgs: Args;
  /** reusePolicy: REJECT_DUPLICATE for business facts; ALLOW_DUPLICATE_FAILED_ONLY where a failed run may be retried. */
  reusePolicy: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY';
  searchAttributes?: TypedSearchAttributes;
}

/**
 * updateWithStart sends `update` to `workflowId` with Update-with-Start (conflict policy
 * USE_EXISTING): a new run starts if none is running, a duplicate attaches to the running
 * one. Throws WorkflowExecutionAlreadyStartedError when the reuse policy refuses a new run
 * after a closed one; callers answer from the database then.
 */
export async function updateWithStart<W extends Workflow, Ret, Args extends unknown[]>(
  client: Client,
  input: UpdateWithStartInput<W, Ret, Args>,
): Promise<Ret> {
  const startWorkflowOperation = new WithStartWorkflowOperation(input.workflow, {
    workflowId: input.workflowId,
    taskQueue: input.taskQueue,
    args: input.args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: input.reusePolicy,
    ...(input.searchAttributes ? { typedSearchAttributes: input.searchAttributes } : {}),
  } as unknown as ConstructorParameters<typeof WithStartWorkflowOperation<W>>[1]);
  return client.workflow.executeUpdateWithStart(input.update, {
    args: input.updateArgs,
    startWorkflowOperation,
  });
}
