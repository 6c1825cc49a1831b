/**
 * Two-level fractional factorial designs, 2^(k−p), for the planner's `--design factorial`.
 *
 * A design is m = k − p base factors run in all 2^m combinations, and p added factors, each the
 * parity (XOR) of a set of base factors: its generator word. In 0/1 coding (1 = ablated) every
 * point is then a codeword of a linear code, so the all-zero point — nothing ablated, the
 * baseline — is always in the fraction, and the baseline's runs measure it. The defining relation
 * is every XOR of generator words (each with its own factor); its shortest word is the design's
 * resolution. Resolution V keeps every main effect and two-way interaction clear of each other
 * (in the ±1 view their columns are orthogonal), so all of them are estimated from all the runs.
 *
 * The generators come from a small search rather than a table: for the fewest runs first, a
 * bounded backtracking search over generator words for the highest resolution (V is enough). k ≤ 4 is
 * the full factorial; k = 5 gives E = ABCD in 16 runs, k = 6 F = ABCDE in 32, k = 8 two words
 * in 64 — the standard designs.
 */

export interface FactorialDesign {
  /** Factors, and how many of them are generated. */
  k: number;
  p: number;
  /** 2^(k−p) points, the all-zero point included. */
  runs: number;
  /** Shortest word of the defining relation; Infinity for a full factorial. */
  resolution: number;
  /** One per added factor, e.g. "E=ABCD". */
  generators: string[];
  /** The points in 0/1 coding, one array of k per point, the all-zero point first. */
  points: number[][];
}

/** Resolution V is all the planner needs; higher only costs runs. */
const TARGET_RESOLUTION = 5;
/** The planner's cap on a design's points (a pass); past it the design drops below resolution V. */
export const FACTORIAL_MAX_RUNS = 256;
/**
 * Search steps per (run count, resolution) before giving up on it: enough for every standard
 * design up to 256 runs (k ≤ 17 at resolution V takes well under a second), while a target that
 * does not exist (k = 18 at V in 256 runs) fails in bounded time instead of exhausting C(247, 10).
 */
const SEARCH_STEPS = 200_000;
/** Past this the search's defining relations (2^p words) get slow, and so many components are better screened one at a time. */
export const MAX_FACTORS = 20;

const bits = (x: number): number => {
  let count = 0;
  for (let v = x; v !== 0; v &= v - 1) count++;
  return count;
};
const letter = (i: number): string => (i < 26 ? String.fromCharCode(65 + i) : `X${i + 1}`);

/**
 * The smallest 2^(k−p) design of resolution ≥ V within maxRuns points, else the highest
 * resolution that fits (see `resolution`). Throws when not even resolution III fits.
 */
export function fractionalFactorial(k: number, maxRuns = FACTORIAL_MAX_RUNS): FactorialDesign {
  // The planner and the tables ask for the same design on every proposal and refresh; the search is not free past k = 11.
  const key = `${k} ${maxRuns}`;
  const cached = designs.get(key) ?? build(k, maxRuns);
  designs.set(key, cached);
  return cached;
}

const designs = new Map<string, FactorialDesign>();

function build(k: number, maxRuns: number): FactorialDesign {
  if (!Number.isInteger(k) || k < 1 || k > MAX_FACTORS) throw new RangeError(`a factorial design needs 1 to ${MAX_FACTORS} factors, got ${k}`);
  const maxM = Math.min(k, Math.floor(Math.log2(maxRuns)));
  let best: { m: number; words: number[]; resolution: number } | null = null;
  for (let m = Math.ceil(Math.log2(k + 1)); m <= maxM; m++) {
    const found: { words: number[]; resolution: number } | null =
      m === k ? { words: [], resolution: Infinity } : searchGenerators(m, k - m, best ? best.resolution + 1 : 3);
    if (found && (!best || found.resolution > best.resolution)) best = { m, ...found };
    if (best && best.resolution >= TARGET_RESOLUTION) break;
  }
  if (!best) throw new RangeError(`${k} factors need more than ${maxRuns} runs even at resolution III`);
  const { m, words } = best;
  const points = Array.from({ length: 2 ** m }, (_, r) => [...Array.from({ length: m }, (_, i) => (r >> i) & 1), ...words.map((w) => bits(r & w) & 1)]);
  const generators = words.map(
    (w, j) =>
      `${letter(m + j)}=${Array.from({ length: m }, (_, i) => i)
        .filter((i) => (w >> i) & 1)
        .map(letter)
        .join('')}`,
  );
  return { k, p: k - m, runs: 2 ** m, resolution: best.resolution, generators, points };
}

/** Points per pass of the factorial design for k components, the all-zero point (the baseline's) included. */
export const factorialRuns = (k: number, maxRuns = FACTORIAL_MAX_RUNS): number => fractionalFactorial(k, maxRuns).runs;

/**
 * p generator words over m base factors with the highest resolution ≥ minResolution (stopping
 * at V), or null. A word's length in the defining relation is its base factors plus the added
 * factors it involves, so each added factor contributes one bit beyond the base mask.
 */
function searchGenerators(m: number, p: number, minResolution: number): { words: number[]; resolution: number } | null {
  // Heavier words first: they make longer defining words, so good designs are found early.
  const candidates = Array.from({ length: 2 ** m }, (_, w) => w)
    .filter((w) => bits(w) >= 2)
    .sort((a, b) => bits(b) - bits(a) || a - b);
  for (let target = TARGET_RESOLUTION; target >= minResolution; target--) {
    const words: number[] = [];
    let steps = 0;
    // The defining relation so far, as (base mask, added factors involved) pairs.
    const relation: { mask: number; added: number }[] = [];
    const extend = (from: number): boolean => {
      if (words.length === p) return true;
      for (let c = from; c < candidates.length && steps < SEARCH_STEPS; c++, steps++) {
        const w = candidates[c]!;
        const fresh = [{ mask: w, added: 1 }, ...relation.map((d) => ({ mask: d.mask ^ w, added: d.added + 1 }))];
        if (fresh.some((d) => bits(d.mask) + d.added < target)) continue;
        words.push(w);
        relation.push(...fresh);
        if (extend(c + 1)) return true;
        words.pop();
        relation.length -= fresh.length;
      }
      return false;
    };
    if (extend(0)) return { words, resolution: relation.reduce((r, d) => Math.min(r, bits(d.mask) + d.added), Infinity) };
  }
  return null;
}

/** "fractional factorial 2^(5-1), resolution V, 16 runs", for the tables' headings. */
export function describeDesign(design: Pick<FactorialDesign, 'k' | 'p' | 'runs' | 'resolution'>): string {
  if (design.p === 0) return `full factorial 2^${design.k}, ${design.runs} runs`;
  const roman = ['', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII'][design.resolution] ?? String(design.resolution);
  return `fractional factorial 2^(${design.k}-${design.p}), resolution ${roman}, ${design.runs} runs`;
}
