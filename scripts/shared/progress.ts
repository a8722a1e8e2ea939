import cliProgress from 'cli-progress';
import { mapLimit } from './async';

/** BAR_OPTIONS are the progress-bar settings of every tool: when stdout is not a terminal
 * (CI, a log file) a frame is printed every 2 s instead of redrawing. */
export const BAR_OPTIONS = {
  stream: process.stdout,
  barsize: 30,
  hideCursor: null,
  noTTYOutput: true,
  notTTYSchedule: 2_000,
} as const;

/** newBar starts a progress bar on stdout with a `{status}` text after the counts. */
export function newBar(label: string, total: number, status = ''): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar({
    ...BAR_OPTIONS,
    format: `${label.padEnd(20)} [{bar}] {value}/{total} {percentage}% | {duration_formatted} {status}`,
  });
  bar.start(total, 0, { status });
  return bar;
}

/**
 * withBar maps `items` through `fn`, at most `concurrencyMax` in flight, under a progress bar
 * named `label` that advances as each item finishes.
 */
export async function withBar<T, R>(
  label: string,
  items: readonly T[],
  concurrencyMax: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const bar = newBar(label, items.length);
  try {
    return await mapLimit(items, concurrencyMax, async (item, index) => {
      const result = await fn(item, index);
      bar.increment();
      return result;
    });
  } finally {
    bar.stop();
  }
}
