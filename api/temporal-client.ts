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
  startWithDetails: noting((input) => input.options.workflowId),
  signalWithStart: noting((input) => input.options.workflowId),
  startUpdateWithStart: noting((input) => input.workflowStartOptions.workflowId),
  startUpdate: noting((input) => input.workflowExecution.workflowId),
  signal: noting((input) => input.workflowExecution.workflowId),
  query: noting((input) => input.workflowExecution.workflowId),
  describe: noting((input) => input.workflowExecution.workflowId),
  cancel: noting((input) => input.workflowExecution.workflowId),
  terminate: noting((input) => input.workflowExecution.workflowId),
};

/**
 * noting builds one interceptor method: it notes the workflow ID that `idOf` reads from the
 * call's input on the request's context, then hands the call on unchanged.
 */
function noting<I, O>(idOf: (input: I) => string) {
  return (input: I, next: (input: I) => O): O => {
    noteWorkflowId(idOf(input));
    return next(input);
  };
}

/**
 * createApiTemporalClient is the API's Temporal client on `connection`, in `namespace`, with
 * workflowIdNotes installed. Every API process builds its client here (api/server.ts, the
 * tests' stack), so no request log loses its workflow IDs.
 */
export function createApiTemporalClient(connection: Connection, namespace: string): Client {
  return new Client({ connection, namespace, interceptors: { workflow: [workflowIdNotes] } });
}
