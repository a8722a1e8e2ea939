import { Client, type Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { noteWorkflowId } from '../lib/request-context';

/**
 * workflowIdNotes is a Temporal client interceptor that notes, on the current request's
 * context (lib/request-context.ts), the ID of every workflow the API starts, updates (Update,
 * Update-with-Start), signals, queries, describes, cancels or terminates, so the request's log
 * line carries `workflowId` (SPEC.md §9). One interceptor instead of a note at each call site:
 * services that call `getHandle(id).executeUpdate` are covered as the client kit is.
 */
export const workflowIdNotes: WorkflowClientInterceptor = {
  startWithDetails(input, next) {
    noteWorkflowId(input.options.workflowId);
    return next(input);
  },
  signalWithStart(input, next) {
    noteWorkflowId(input.options.workflowId);
    return next(input);
  },
  startUpdateWithStart(input, next) {
    noteWorkflowId(input.workflowStartOptions.workflowId);
    return next(input);
  },
  startUpdate(input, next) {
    noteWorkflowId(input.workflowExecution.workflowId);
    return next(input);
  },
  signal(input, next) {
    noteWorkflowId(input.workflowExecution.workflowId);
    return next(input);
  },
  query(input, next) {
    noteWorkflowId(input.workflowExecution.workflowId);
    return next(input);
  },
  describe(input, next) {
    noteWorkflowId(input.workflowExecution.workflowId);
    return next(input);
  },
  cancel(input, next) {
    noteWorkflowId(input.workflowExecution.workflowId);
    return next(input);
  },
  terminate(input, next) {
    noteWorkflowId(input.workflowExecution.workflowId);
    return next(input);
  },
};

/**
 * createApiTemporalClient is the API's Temporal client on `connection`, in `namespace`, with
 * workflowIdNotes installed. Every API process builds its client here (api/server.ts, the
 * tests' stack), so no request log loses its workflow IDs.
 */
export function createApiTemporalClient(connection: Connection, namespace: string): Client {
  return new Client({ connection, namespace, interceptors: { workflow: [workflowIdNotes] } });
}
