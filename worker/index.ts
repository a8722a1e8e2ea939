import http from 'node:http';
import { loadConfig, SERVICE_ENTRY } from '../config';
import { createDb } from '../db/connection';
import { createLogger } from '../lib/logger';
import { metricsRegistry } from '../lib/metrics';
import { createWorker, workerInputFromConfig } from './create';
import { installTemporalRuntime } from './logging';

/**
 * Worker entry (`npm run start:worker`): runs the workflows and activities against
 * TEMPORAL_ADDRESS and DATABASE_URL until SIGINT/SIGTERM; serves transaction and lock-wait metrics
 * on WORKER_METRICS_PORT and the SDK's worker metrics on TEMPORAL_SDK_METRICS_PORT.
 * WORKFLOW_BUNDLE_PATH skips bundling at start-up. Like the API it needs an explicit JWT_SECRET
 * (SERVICE_ENTRY), so one deployment has one configuration.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, SERVICE_ENTRY);
  const logger = createLogger({ level: config.logLevel, name: 'holdfast-worker' });
  installTemporalRuntime(logger, config.temporalSdkMetricsPort);
  const db = createDb(config, 'the worker');
  const { worker, connection } = await createWorker(workerInputFromConfig(config, db));
  const metrics = config.workerMetricsPort > 0 ? serveMetrics(config.workerMetricsPort) : undefined;
  // Ctrl-C reaches the whole process group and `npm run dev` forwards it too: shut down once.
  let shuttingDown = false;
  const shutdown = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    worker.shutdown();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, shutdown);
  logger.info(
    {
      taskQueue: config.taskQueue,
      temporal: config.temporalAddress,
      metricsPort: config.workerMetricsPort,
    },
    'worker running',
  );
  await worker.run();
  metrics?.close();
  await connection.close();
  await db.sequelize.close();
}

/** serveMetrics answers GET /metrics with the process's Prometheus registry. */
function serveMetrics(port: number): http.Server {
  return http
    .createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      metricsRegistry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': metricsRegistry.contentType }).end(body),
        () => res.writeHead(500).end(),
      );
    })
    .listen(port);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
