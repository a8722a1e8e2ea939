import { pino, type Logger } from 'pino';

/**
 * createLogger returns holdfast's structured JSON logger (pino). Child loggers add
 * `requestId`, `workflowId` and `customerId` (SPEC.md §9).
 */
export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({ level: options.level, name: options.name ?? 'holdfast' });
}

export type { Logger };
