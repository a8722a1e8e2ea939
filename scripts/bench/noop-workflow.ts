import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

/*
 * The no-op workflow of the Update-with-Start ceiling (ARCHITECTURE.md "What a workflow
 * interaction costs"): the cheapest durable interaction Temporal offers, bundled on its own so
 * the product's workflow bundle never contains bench code.
 */

/** NOOP_TASK_QUEUE is the ceiling's own task queue on the same Temporal server. */
export const NOOP_TASK_QUEUE = 'bench-noop';

/** echoUpdate answers with its input. */
export const echoUpdate = defineUpdate<unknown, [unknown]>('echo');

/**
 * noopWorkflow answers one `echo` Update with its input and then completes: the Update is
 * accepted, answered and the run closed in the run's first workflow task.
 */
export async function noopWorkflow(): Promise<void> {
  let answered = false;
  setHandler(echoUpdate, (input: unknown) => {
    answered = true;
    return input;
  });
  await condition(() => answered);
}
