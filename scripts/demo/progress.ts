import { sleep } from '../shared/async';
import { newBar } from '../shared/progress';
import { EXPIRY_POLL_TIMEOUT_MS, EXPIRY_WAIT_LIMIT_MS } from './settings';

/** EXPIRY_POLL_INTERVAL_MS is the pause between reads while waiting for things to read expired. */
const EXPIRY_POLL_INTERVAL_MS = 1_000;

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

/**
 * ExpiryWait describes things left to expire on their own timers (non-empty `items`): when
 * each expires (epoch ms), the lines to print when that is too far away or when waiting, the
 * countdown's label, and `stillPending`, which reads them and returns those not yet expired.
 */
export interface ExpiryWait<T> {
  items: readonly T[];
  expiresAtMs(item: T): number;
  tooFar(soonestMs: number, latestMs: number): string[];
  waiting(latestMs: number): string;
  label: string;
  stillPending(items: readonly T[]): Promise<T[]>;
}

/**
 * awaitExpiry waits, when the last expiry is at most EXPIRY_WAIT_LIMIT_MS away, for it to pass
 * (countdown), then polls until nothing is pending or EXPIRY_POLL_TIMEOUT_MS has passed; returns
 * what is still pending. Prints why and returns undefined when it is too far away.
 */
export async function awaitExpiry<T>(wait: ExpiryWait<T>): Promise<T[] | undefined> {
  const expiries = wait.items.map((item) => wait.expiresAtMs(item));
  const soonestMs = Math.min(...expiries);
  const latestMs = Math.max(...expiries);
  if (latestMs - Date.now() > EXPIRY_WAIT_LIMIT_MS) {
    for (const line of wait.tooFar(soonestMs, latestMs)) console.log(line);
    return undefined;
  }
  console.log(wait.waiting(latestMs));
  await countdown(wait.label, latestMs);
  const deadlineMs = Date.now() + EXPIRY_POLL_TIMEOUT_MS;
  let pending = await wait.stillPending(wait.items);
  while (pending.length > 0 && Date.now() < deadlineMs) {
    await sleep(EXPIRY_POLL_INTERVAL_MS);
    pending = await wait.stillPending(pending);
  }
  return pending;
}
