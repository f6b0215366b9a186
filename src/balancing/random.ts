// The source of chance for balancers: injected, so tests run on a seeded sequence and production on Math.random.

export interface Random {
  /** A number in [0, 1). */
  next(): number;
}

/** mulberry32: a 32-bit state PRNG, fast and good enough for load balancing; deterministic per seed. */
export function seededRandom(seed: number): Random {
  let state = seed | 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export const systemRandom: Random = { next: Math.random };
