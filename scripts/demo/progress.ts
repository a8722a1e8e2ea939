import cliProgress from 'cli-progress';
import { SETUP_CONCURRENCY } from './settings';
import { mapLimit, sleep } from './util';

/** newBar starts a progress bar on stdout (also rendered, once a second, when piped to a file). */
export function newBar(label: string, total: number, extra = ''): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar({
    format: `${label.padEnd(20)} [{bar}] {value}/{total} {percentage}% | {duration_formatted} {status}`,
    stream: process.stdout,
    barsize: 30,
    hideCursor: null,
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  bar.start(total, 0, { status: extra });
  return bar;
}

/** withBar runs `fn` over `items` (at most SETUP_CONCURRENCY in flight) under a progress bar. */
export async function withBar<T, R>(
  label: string,
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const bar = newBar(label, items.length);
  try {
    return await mapLimit(items, SETUP_CONCURRENCY, async (item, index) => {
      const result = await fn(item, index);
      bar.increment();
      return result;
    });
  } finally {
    bar.stop();
  }
}

/** countdown shows a bar until the epoch time `untilMs`, ticking once a second (bounded). */
export async function countdown(label: string, untilMs: number): Promise<void> {
  const totalSeconds = Math.max(1, Math.ceil((untilMs - Date.now()) / 1000));
  const secondsLeft = () => Math.max(0, Math.ceil((untilMs - Date.now()) / 1000));
  const bar = newBar(label, totalSeconds, `${totalSeconds} s left`);
  for (let tick = 0; tick < totalSeconds && Date.now() < untilMs; tick += 1) {
    await sleep(Math.min(1000, Math.max(0, untilMs - Date.now())));
    bar.update(totalSeconds - secondsLeft(), { status: `${secondsLeft()} s left` });
  }
  bar.update(totalSeconds, { status: 'timers due' });
  bar.stop();
}
