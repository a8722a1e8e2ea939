import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';

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
    return (await client.workflow.getHandle<W>(input.workflowId).result()) as Awaited<ReturnType<W>>;
  }
}
