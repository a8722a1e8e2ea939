import cliProgress from 'cli-progress';
import { mapLimit } from './util';

/** SEED_CONCURRENCY bounds the seeding requests in flight. */
export const SEED_CONCURRENCY = 16;

/**
 * newBar starts a progress bar on stdout with a `{status}` text after the counts; when stdout
 * is not a terminal it prints a frame every 5 s instead of redrawing.
 */
export function newBar(label: string, total: number, status = ''): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar({
    format: `${label.padEnd(16)} [{bar}] {value}/{total} {percentage}% | {duration_formatted} {status}`,
    stream: process.stdout,
    barsize: 30,
    hideCursor: null,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  bar.start(total, 0, { status });
  return bar;
}

/** withBar maps `items` through `fn` (at most SEED_CONCURRENCY in flight) under a bar. */
export async function withBar<T, R>(
  label: string,
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const bar = newBar(label, items.length);
  try {
    return await mapLimit(items, SEED_CONCURRENCY, async (item, index) => {
      const result = await fn(item, index);
      bar.increment();
      return result;
    });
  } finally {
    bar.stop();
  }
}

/** LoadProgress is the bar of the measured runs, with lines logged above it. */
export interface LoadProgress {
  /** update sets the seconds of load done so far and what runs now. */
  update(doneSeconds: number, status: string): void;
  log(line: string): void;
  stop(): void;
}

/** loadProgress starts the bar of the load phase: `totalSeconds` of load in all. */
export function loadProgress(totalSeconds: number): LoadProgress {
  const multi = new cliProgress.MultiBar({
    format: `${'load'.padEnd(16)} [{bar}] {percentage}% | {duration_formatted} {status}`,
    stream: process.stdout,
    barsize: 30,
    hideCursor: null,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  const bar = multi.create(Math.max(1, Math.round(totalSeconds)), 0, { status: '' });
  return {
    update: (doneSeconds, status) =>
      bar.update(Math.min(Math.round(doneSeconds), bar.getTotal()), { status }),
    log: (line) => multi.log(`${line}\n`),
    stop: () => multi.stop(),
  };
}
