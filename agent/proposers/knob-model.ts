import type { KnobValue } from '../knobs/literal.ts';
import type { KnobDomain, Marker } from '../knobs/markers.ts';
import { expectedImprovement, fitGp, type Prediction } from './gp.ts';
import type { Observation } from './knob-history.ts';

/**
 * The model-based phase of the knob search: once enough configurations are measured, the next
 * one is the untried configuration with the largest expected improvement under a Gaussian process
 * (agent/proposers/gp.ts) fitted to them. Each knob is one coordinate of the unit cube: a range
 * linearly or in log space as its marker says, a set of numbers by its index (ordinal), a set of
 * other values one-hot (categorical). Candidates come from a Halton sequence plus single-knob
 * steps around the best configuration, so the choice is a function of the log alone.
 */

/** Enough points for a model: two per knob searched (at least four; a tweak and the baseline it moved from are two), but no more than eight are awaited. */
export const enoughPoints = (knobs: number): number => Math.min(8, Math.max(4, 2 * knobs));

const HALTON_POINTS = 512;
// The newest points, at most: a fit costs n³ per grid cell, and the newest lie where the search is.
const MAX_POINTS = 200;
const LOCAL_STEPS = [0.02, 0.05, 0.1, 0.2];
const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71];

function halton(index: number, base: number): number {
  let f = 1;
  let r = 0;
  for (let i = index; i > 0; i = Math.floor(i / base)) {
    f /= base;
    r += f * (i % base);
  }
  return r;
}

const numeric = (values: KnobValue[]) => values.every((v) => typeof v === 'number');

/** A knob's value as coordinates (one, or one per category); null when outside its domain. */
function encode(domain: KnobDomain, value: KnobValue): number[] | null {
  if (domain.type === 'set') {
    const at = domain.values.indexOf(value);
    if (at < 0) return null;
    // One-hot scaled so that two categories are at distance 1, like the ends of a range.
    if (!numeric(domain.values)) return domain.values.map((_, i) => (i === at ? Math.SQRT1_2 : 0));
    return [domain.values.length > 1 ? at / (domain.values.length - 1) : 0];
  }
  if (typeof value !== 'number' || value < domain.min || value > domain.max) return null;
  if (domain.scale === 'log') return [Math.log(value / domain.min) / Math.log(domain.max / domain.min)];
  return [(value - domain.min) / (domain.max - domain.min)];
}

/** The value at coordinate u in [0, 1], rounded to three significant digits (or an integer) and kept in range. */
function decode(domain: KnobDomain, u: number): KnobValue {
  if (domain.type === 'set') return domain.values[Math.round(u * (domain.values.length - 1))]!;
  const raw = domain.scale === 'log' ? domain.min * (domain.max / domain.min) ** u : domain.min + u * (domain.max - domain.min);
  const rounded = domain.integer ? Math.round(raw) : Number(raw.toPrecision(3));
  return Math.min(domain.max, Math.max(domain.min, rounded));
}

export interface ModelChoice {
  /** The proposed value of every searched knob. */
  values: Map<string, KnobValue>;
  expectedImprovement: number;
  prediction: Prediction;
  /** How many measured points the model was fitted to. */
  points: number;
}

export interface ModelOptions {
  goal: 'minimize' | 'maximize';
  /** The run-to-run noise SD the verdicts measured; null when none did (the fit's own is used). */
  noiseSd: number | null;
  /** Whether a full configuration may still be proposed. */
  untried: (config: ReadonlyMap<string, KnobValue>) => boolean;
}

// A move expected to gain less than this share of the noise SD could not be told from noise.
const MIN_IMPROVEMENT_SD = 0.1;

/**
 * The searched knobs' next values, or null when too few points are measured or no untried
 * candidate is expected to improve by a tenth of the noise SD. `fixed` holds every marker's current
 * value: observations made with another value of an unsearched marker (a kept ablation since)
 * describe another surface and are left out.
 */
export function modelChoice(
  knobs: readonly Marker[],
  fixed: ReadonlyMap<string, KnobValue>,
  measured: readonly Observation[],
  { goal, noiseSd, untried }: ModelOptions,
): ModelChoice | null {
  const searched = new Set(knobs.map((k) => k.name));
  const encodeConfig = (config: ReadonlyMap<string, KnobValue>): number[] | null => {
    const x: number[] = [];
    for (const k of knobs) {
      const part = encode(k.domain!, config.get(k.name)!);
      if (!part) return null;
      x.push(...part);
    }
    return x;
  };
  const xs: number[][] = [];
  const raw: (number | null)[] = [];
  for (const o of measured) {
    if ([...fixed].some(([name, v]) => !searched.has(name) && o.config.get(name) !== v)) continue;
    const x = encodeConfig(o.config);
    if (!x) continue;
    xs.push(x);
    // The model minimises; a metric to maximise is turned round.
    raw.push(o.value === null ? null : goal === 'minimize' ? o.value : -o.value);
  }
  // A failed run (a learning rate that diverges, a size that runs out of memory) counts as the
  // worst value measured, so the model steers away from it instead of knowing nothing there.
  const worst = Math.max(...raw.filter((y): y is number => y !== null));
  if (!Number.isFinite(worst)) return null;
  const ys = raw.map((y) => y ?? worst);
  if (xs.length < enoughPoints(knobs.length)) return null;
  xs.splice(0, Math.max(0, xs.length - MAX_POINTS));
  ys.splice(0, Math.max(0, ys.length - MAX_POINTS));
  const gp = fitGp(xs, ys);
  if (!gp) return null;
  const means = xs.map((x) => gp.predict(x).mean);
  const best = Math.min(...means);
  const incumbent = xs[means.indexOf(best)]!;
  const minImprovement = MIN_IMPROVEMENT_SD * (noiseSd ?? gp.noiseSd);

  const unit: number[][] = [];
  for (let i = 1; i <= HALTON_POINTS; i++) unit.push(knobs.map((_, d) => halton(i, PRIMES[d % PRIMES.length]!)));
  const around = unitOf(knobs, incumbent);
  for (const step of LOCAL_STEPS) {
    for (let d = 0; d < knobs.length; d++) {
      for (const sign of [1, -1]) unit.push(around.map((u, j) => (j === d ? Math.min(1, Math.max(0, u + sign * step)) : u)));
    }
  }

  let choice: ModelChoice | null = null;
  const seen = new Set<string>();
  for (const u of unit) {
    const values = new Map(knobs.map((k, d) => [k.name, decode(k.domain!, u[d]!)] as const));
    const id = JSON.stringify([...values.values()]);
    if (seen.has(id)) continue;
    seen.add(id);
    const config = new Map([...fixed, ...values]);
    if (!untried(config)) continue;
    const prediction = gp.predict(encodeConfig(config)!);
    const ei = expectedImprovement(prediction, best);
    if (ei > (choice?.expectedImprovement ?? minImprovement)) choice = { values, expectedImprovement: ei, prediction, points: xs.length };
  }
  if (choice && goal === 'maximize') choice.prediction = { ...choice.prediction, mean: -choice.prediction.mean };
  return choice;
}

/** One coordinate per knob for a point in the encoded space (a category's index for one-hot knobs). */
function unitOf(knobs: readonly Marker[], x: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const k of knobs) {
    const domain = k.domain!;
    if (domain.type === 'set' && !numeric(domain.values)) {
      const hot = x.slice(at, at + domain.values.length).findIndex((v) => v > 0);
      out.push(domain.values.length > 1 ? hot / (domain.values.length - 1) : 0);
      at += domain.values.length;
    } else {
      out.push(x[at++]!);
    }
  }
  return out;
}
