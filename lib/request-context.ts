import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * What the HTTP request whose work runs now has touched, carried through AsyncLocalStorage so
 * the request log line (api/middleware/observe.ts) can name the workflows a request started,
 * updated or signalled (SPEC.md §9: logs carry `workflowId`) without every service passing
 * them back up. The Temporal client notes them (api/temporal-client.ts); outside a request
 * (activities, scripts) there is no context and nothing is noted.
 */

/** RequestContext is one request's record of the workflows it touched. */
export interface RequestContext {
  /** workflowIds are the IDs of the workflows the request called, in first-call order. */
  readonly workflowIds: string[];
}

/** WORKFLOW_IDS_PER_REQUEST_MAX bounds the IDs one request notes (a log line stays short). */
export const WORKFLOW_IDS_PER_REQUEST_MAX = 16;

const contexts = new AsyncLocalStorage<RequestContext>();

/** runWithRequestContext runs `fn` with `context` as the current request's context. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return contexts.run(context, fn);
}

/**
 * noteWorkflowId records that the current request called workflow `workflowId`; a no-op
 * outside a request, for an ID already noted, or past WORKFLOW_IDS_PER_REQUEST_MAX.
 */
export function noteWorkflowId(workflowId: string): void {
  const context = contexts.getStore();
  if (!context || context.workflowIds.includes(workflowId)) return;
  if (context.workflowIds.length >= WORKFLOW_IDS_PER_REQUEST_MAX) return;
  context.workflowIds.push(workflowId);
}
