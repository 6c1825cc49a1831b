/**
 * A seeded PRNG and Gaussian sampler for simulations and tests (mulberry32 + Box–Muller):
 * deterministic for a seed, fast, and good enough for Monte-Carlo at these sample sizes.
 */

export type Rng = () => number;

/** Uniform in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws from a uniform source (Box–Muller, one value per pair of uniforms). */
export function gaussian(rng: Rng): () => number {
  return () => {
    const u = 1 - rng(); // (0, 1]: log(0) can't happen
    const v = rng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
