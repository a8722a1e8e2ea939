import type { TestProject } from 'vitest/node';
import { startEphemeralStack, type EphemeralStack } from '../../lib/local-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: {
      databaseUrl: string;
      temporalAddress: string;
      taskQueue: string;
      workflowBundlePath: string;
    };
  }
}

let stack: EphemeralStack | undefined;

/**
 * setup starts one throwaway stack for the whole run (embedded PostgreSQL, Temporal dev server,
 * the real worker with workflows bundled once) and hands its addresses to every test file.
 */
export async function setup(project: TestProject): Promise<void> {
  stack = await startEphemeralStack({ taskQueue: 'holdfast-test' });
  project.provide('stack', {
    databaseUrl: stack.databaseUrl,
    temporalAddress: stack.temporalAddress,
    taskQueue: stack.taskQueue,
    workflowBundlePath: stack.workflowBundlePath,
  });
}

/** teardown stops the worker and the servers and deletes their data. */
export async function teardown(): Promise<void> {
  await stack?.stop();
}
