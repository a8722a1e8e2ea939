import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../config';
import { startEphemeralStack, type EphemeralStack } from '../../tools/stack/local-stack';
import { ensureSchedules } from '../../lib/schedules';

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
 * the real worker with workflows bundled once), creates the Temporal Schedules on its task
 * queue as `npm run dev` does (the retention is the configuration default, as in the tests'
 * config), and hands its addresses to every test file.
 */
export async function setup(project: TestProject): Promise<void> {
  stack = await startEphemeralStack({ taskQueue: 'holdfast-test' });
  try {
    await ensureSchedules({
      address: stack.temporalAddress,
      namespace: 'default',
      taskQueue: stack.taskQueue,
      retentionDays: loadConfig({ NODE_ENV: 'test' }).orderFailureRetentionDays,
    });
  } catch (err) {
    await stack.stop();
    stack = undefined;
    throw err;
  }
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
