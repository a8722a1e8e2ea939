import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { isErrorCode } from '../domain/errors';
import type { Logger } from '../lib/logger';

const PINO_LEVEL = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
} as const;

/**
 * installTemporalRuntime routes the Temporal SDK's logs into pino (JSON lines with
 * `workflowId`, `activityType` …) and takes over shutdown signals from the SDK, so the
 * process's own SIGINT/SIGTERM handler stops the worker exactly once. A failed activity
 * that carries a SPEC domain code (insufficient_stock …) is an expected refusal, not a fault:
 * it is logged at debug instead of warn. With `sdkMetricsPort` the SDK's worker metrics are
 * served for Prometheus on that port. Call once per process, before any worker starts.
 */
export function installTemporalRuntime(logger: Logger, sdkMetricsPort = 0): void {
  const forward = (entry: LogEntry) => {
    const meta = (entry.meta ?? {}) as Record<string, unknown>;
    const failureType = (meta.error as { type?: unknown } | undefined)?.type;
    const expectedRefusal = entry.message === 'Activity failed' && isErrorCode(failureType);
    const level = expectedRefusal ? 'debug' : PINO_LEVEL[entry.level];
    logger[level]({ ...meta, error: expectedRefusal ? failureType : meta.error }, entry.message);
  };
  Runtime.install({
    logger: new DefaultLogger('INFO', forward),
    shutdownSignals: [],
    ...(sdkMetricsPort > 0
      ? {
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: `0.0.0.0:${sdkMetricsPort}` } },
          },
        }
      : {}),
  });
}
