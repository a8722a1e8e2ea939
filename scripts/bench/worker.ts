import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { loadConfig } from '../../config';
import { createDb } from '../../db/connection';
import { createLogger } from '../../lib/logger';
import { createWorker, workerInputFromConfig } from '../../worker/create';
import { installTemporalRuntime } from '../../worker/logging';
import { NOOP_TASK_QUEUE } from './noop-workflow';

/*
 * The bench's worker process: the real holdfast worker (worker/create.ts, configured from the
 * environment like `npm run start:worker`) and, beside it on the same connection, a worker for
 * the no-op ceiling on its own task queue. The no-op workflow is bundled on its own, so the
 * product bundle never contains bench code.
 */

/** NOOP_WORKFLOWS_PATH is the module the ceiling's worker bundles. */
const NOOP_WORKFLOWS_PATH = fileURLToPath(new URL('./noop-workflow.ts', import.meta.url));

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'holdfast-bench-worker' });
  // The SDK's logs go through pino at LOG_LEVEL (warn in the bench); expected refusals such as
  // insufficient_stock are demoted to debug there, so a flash sale does not flood the output.
  installTemporalRuntime(logger, config.temporalSdkMetricsPort);
  const db = createDb(config, 'the bench worker');
  const { worker, connection } = await createWorker(workerInputFromConfig(config, db));
  const noopWorker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: NOOP_TASK_QUEUE,
    workflowsPath: NOOP_WORKFLOWS_PATH,
    maxConcurrentWorkflowTaskExecutions: 40,
    shutdownGraceTime: '10s',
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      worker.shutdown();
      noopWorker.shutdown();
    });
  }
  const running = Promise.all([worker.run(), noopWorker.run()]);
  console.log(`bench worker running on ${config.taskQueue} and ${NOOP_TASK_QUEUE}`);
  await running;
  await connection.close();
  await db.sequelize.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
