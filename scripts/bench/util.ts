import { randomInt } from 'node:crypto';

/** sleep resolves after `durationMs` milliseconds. */
export function sleep(durationMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, durationMs));
}

/** mapLimit maps `items` through `fn` with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
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
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

/** pick returns a uniformly random element of a non-empty array. */
export function pick<T>(items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty array');
  return items[randomInt(items.length)]!;
}
