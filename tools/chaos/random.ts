/**
 * Random is a seeded pseudo-random source, so a chaos run's workload choices can be replayed
 * with its seed (the faults and the machine's timing still differ from run to run).
 */
export interface Random {
  /** next is a uniform number in [0, 1). */
  next(): number;
  /** int is a uniform integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** pick is a uniform element of a non-empty array. @throws Error for an empty one. */
  pick<T>(items: readonly T[]): T;
  /** chance is true with probability `p`. */
  chance(p: number): boolean;
}

/**
 * seededRandom returns a Random driven by mulberry32 (a tiny 32-bit PRNG, as in
 * tools/ledger-bank.ts) seeded with `seed`.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty array');
      return items[Math.floor(next() * items.length)]!;
    },
    chance: (p) => next() < p,
  };
}
