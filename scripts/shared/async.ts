import { randomInt } from 'node:crypto';

/*
 * Small async and random helpers the command-line tools (scripts/demo, scripts/bench) share.
 * sleep is tools/process.ts's, the one the tools share.
 */

export { sleep } from '../../tools/process';

/**
 * mapLimit maps `items` through `fn` with at most `concurrencyMax` calls in flight, keeping the
 * order of `items` in the result.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrencyMax: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  const lanes = Math.max(1, Math.min(concurrencyMax, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

/** pick returns a uniformly random element of a non-empty array. */
export function pick<T>(items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty array');
  return items[randomInt(items.length)]!;
}

/** shuffle returns a copy of `items` in random order (Fisher–Yates). */
export function shuffle<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
