import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

/** ERROR_CAUSE_DEPTH_MAX bounds how many `cause` links of an error are written. */
const ERROR_CAUSE_DEPTH_MAX = 3;

/**
 * SerializedError is an error as a log line carries it: what JSON.stringify of an Error leaves
 * out (its message and stack are not enumerable, so pino wrote `"error":{}`). `type` is a
 * Temporal failure's type (a SPEC code for a refusal) when it has one.
 */
export interface SerializedError {
  name?: string;
  type?: string;
  message: string;
  stack?: string;
  nonRetryable?: boolean;
  cause?: unknown;
}

/**
 * serializeError turns anything error-like (an Error of any realm, or a Temporal failure that
 * crossed a worker thread as a plain Error) into a SerializedError; any other value is
 * returned as it is. Used as pino's serializer of the `err` and `error` fields.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const err = value as Record<string, unknown>;
  if (typeof err.message !== 'string') return value;
  const out: SerializedError = { message: err.message };
  if (typeof err.name === 'string') out.name = err.name;
  if (typeof err.type === 'string') out.type = err.type;
  if (typeof err.nonRetryable === 'boolean') out.nonRetryable = err.nonRetryable;
  if (typeof err.stack === 'string') out.stack = err.stack;
  if (err.cause !== undefined && depth < ERROR_CAUSE_DEPTH_MAX)
    out.cause = serializeError(err.cause, depth + 1);
  return out;
}

/**
 * prettyFromEnv tells whether log lines should be pino-pretty's coloured text instead of JSON:
 * LOG_PRETTY=1 (or true) asks for it, LOG_PRETTY=0 (or false) refuses it, and unset it is on
 * under `npm run dev` only (npm names the running script in npm_lifecycle_event, which the
 * API and worker that dev.ts spawns inherit). Production, tests and the bench stay JSON.
 */
export function prettyFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const asked = env.LOG_PRETTY?.trim().toLowerCase();
  if (asked === '1' || asked === 'true') return true;
  if (asked === '0' || asked === 'false') return false;
  return env.npm_lifecycle_event === 'dev';
}

/**
 * prettyStream loads pino-pretty (a dev dependency, so only when asked for: the production
 * image has none) as a synchronous stream to stdout.
 */
function prettyStream(): DestinationStream {
  const load = createRequire(import.meta.url);
  const pretty = load('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  return pretty({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

/** CreateLoggerOptions configure createLogger. */
export interface CreateLoggerOptions {
  /** level is pino's minimum level (LOG_LEVEL): trace, debug, info, warn, error or silent. */
  level: string;
  /** name is the `name` field of every line (default holdfast). */
  name?: string;
  /** pretty writes coloured text through pino-pretty (default prettyFromEnv()). */
  pretty?: boolean;
  /** destination receives the lines instead of stdout (tests capture them); never pretty. */
  destination?: DestinationStream;
}

/**
 * createLogger returns holdfast's structured JSON logger (pino). Child loggers add
 * `requestId`, `workflowId` and `customerId` (SPEC.md §9). Errors under `err` or `error` are
 * written with their message, type and stack (serializeError).
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const settings = {
    level: options.level,
    name: options.name ?? 'holdfast',
    serializers: { err: serializeError, error: serializeError },
  };
  if (options.destination) return pino(settings, options.destination);
  if (options.pretty ?? prettyFromEnv()) return pino(settings, prettyStream());
  return pino(settings);
}

export type { Logger };
