import { sleep } from '../shared/async';
import { newBar } from '../shared/progress';

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
