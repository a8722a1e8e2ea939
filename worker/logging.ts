import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { ERROR_STATUS, isErrorCode } from '../domain/errors';
import type { Logger } from '../lib/logger';
import { REFUSED_LOG_MESSAGE } from '../workflows/kit';

const PINO_LEVEL = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
} as const;

/** PinoLevel is the pino method a routed SDK line is written with. */
export type PinoLevel = (typeof PINO_LEVEL)[keyof typeof PINO_LEVEL];

/** LogLine is one SDK log entry as holdfast writes it: level, message and fields. */
export interface LogLine {
  level: PinoLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** RUNS_REMEMBERED_MAX bounds the runs whose last logged Refusal is kept, oldest dropped first. */
const RUNS_REMEMBERED_MAX = 10_000;

/** RememberedRefusal is what a run's "Refused" line said: its SPEC code and its detail. */
interface RememberedRefusal {
  code: string;
  detail: string;
}

/** isBusinessCode tells whether `code` is a SPEC code of a business refusal (a 4xx). */
function isBusinessCode(code: unknown): boolean {
  return isErrorCode(code) && ERROR_STATUS[code] < 500;
}

/**
 * TemporalLogRouter decides how each Temporal SDK log entry is written, so that warn means an
 * operator must act and a refusal (the service working, SPEC.md §1) does not. A workflow's own
 * "Refused" line is kept and remembered for its run; the SDK's "Workflow failed" for that run and
 * its "Activity failed" for a business refusal become debug (the sandbox's structured clone drops
 * the Error's `type`, so the SDK line cannot tell); any other failure stays warn with its stack.
 */
export class TemporalLogRouter {
  private readonly refusalsByRun = new Map<string, RememberedRefusal>();

  /** route maps one SDK entry to the line to write. */
  route(entry: LogEntry): LogLine {
    const fields = { ...((entry.meta ?? {}) as Record<string, unknown>) };
    const line: LogLine = { level: PINO_LEVEL[entry.level], message: entry.message, fields };
    if (entry.message === REFUSED_LOG_MESSAGE) this.remember(fields);
    if (entry.message === 'Workflow failed') return this.workflowFailed(line);
    if (entry.message === 'Activity failed') return this.activityFailed(line);
    return line;
  }

  private remember(fields: Record<string, unknown>): void {
    const { runId, code, detail } = fields;
    if (typeof runId !== 'string' || typeof code !== 'string' || typeof detail !== 'string') return;
    this.refusalsByRun.delete(runId);
    this.refusalsByRun.set(runId, { code, detail });
    if (this.refusalsByRun.size > RUNS_REMEMBERED_MAX) {
      const oldest = this.refusalsByRun.keys().next().value;
      if (oldest !== undefined) this.refusalsByRun.delete(oldest);
    }
  }

  private workflowFailed(line: LogLine): LogLine {
    const runId = line.fields.runId;
    const refusal = typeof runId === 'string' ? this.refusalsByRun.get(runId) : undefined;
    if (typeof runId === 'string') this.refusalsByRun.delete(runId);
    const message = (line.fields.error as { message?: unknown } | undefined)?.message;
    if (!refusal || refusal.detail !== message) return line;
    const fields: Record<string, unknown> = { ...line.fields, code: refusal.code };
    if (!isBusinessCode(refusal.code)) return { ...line, fields };
    delete fields.error;
    return { level: 'debug', message: line.message, fields: { ...fields, detail: message } };
  }

  private activityFailed(line: LogLine): LogLine {
    const error = line.fields.error as { type?: unknown; message?: unknown } | undefined;
    if (!isErrorCode(error?.type)) return line;
    const fields: Record<string, unknown> = { ...line.fields, code: error.type };
    if (!isBusinessCode(error.type)) return { ...line, fields };
    delete fields.error;
    return { level: 'debug', message: line.message, fields: { ...fields, detail: error.message } };
  }
}

/**
 * installTemporalRuntime routes the SDK's logs into pino (lib/logger.ts) through a
 * TemporalLogRouter, and takes shutdown signals over from the SDK so the process's own
 * SIGINT/SIGTERM handler stops the worker exactly once. With `sdkMetricsPort` the SDK's worker
 * metrics are served for Prometheus there. Call once per process, before any worker starts.
 */
export function installTemporalRuntime(logger: Logger, sdkMetricsPort = 0): void {
  const router = new TemporalLogRouter();
  const forward = (entry: LogEntry) => {
    const line = router.route(entry);
    logger[line.level](line.fields, line.message);
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
