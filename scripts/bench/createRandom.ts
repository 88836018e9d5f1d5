/** A small seeded pseudo-random generator, so a benchmark workload is the same on every run with the same seed. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/** Seeded generator: a Weyl sequence (golden-ratio increment) passed through the 32-bit MurmurHash3 finaliser.
 * Not cryptographic; statistically good enough to shape a workload. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4_294_967_296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}
