import cliProgress from 'cli-progress';
import { BAR_OPTIONS } from '../shared/progress';

/** SEED_CONCURRENCY bounds the seeding requests in flight. */
export const SEED_CONCURRENCY = 16;

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
    ...BAR_OPTIONS,
    format: `${'load'.padEnd(20)} [{bar}] {percentage}% | {duration_formatted} {status}`,
  });
  const bar = multi.create(Math.max(1, Math.round(totalSeconds)), 0, { status: '' });
  return {
    update: (doneSeconds, status) =>
      bar.update(Math.min(Math.round(doneSeconds), bar.getTotal()), { status }),
    log: (line) => multi.log(`${line}\n`),
    // MultiBar.stop() does not flush lines logged since the last frame: without this final
    // update the last run's line (logged just before the stop) was lost.
    stop: () => {
      multi.update();
      multi.stop();
    },
  };
}
