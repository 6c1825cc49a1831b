import type { Marker } from '../knobs/markers.ts';
import type { TweakResult } from './knob-history.ts';

/**
 * The order in which the planner's pattern search visits the `@knob` markers: the knobs with the
 * most expected value first, not file order (on a real nanoGPT sandbox file order spent 33 runs
 * on batch, layers and heads and never reached the learning rate).
 *
 * 1. Priority, higher first: `priority=N` written on the marker, else a default from the name.
 * 2. Within a priority, measured sensitivity: knobs whose moves changed the metric by a noise SD
 *    or more (largest |Δ| first), then knobs not yet moved, then knobs measured as flat.
 * 3. File order breaks ties, so the order is a function of the markers and the log alone.
 */

/**
 * The default priorities, on the scale `priority=N` uses (so `priority=3` goes before the
 * learning rate and `priority=-1` after the sizes):
 * - 2, the learning rate and its schedule (lr, learning_rate, *_lr, lr_*, min_lr, warmup*,
 *   *schedule*, *decay* but not weight_decay, cosine, anneal, cooldown): the first thing a
 *   researcher tunes, because the best value moves with everything else and a bad one wastes
 *   every other comparison;
 * - 1, regularisation and the optimiser's other settings (dropout, weight_decay, wd, beta*,
 *   momentum, *clip*, eps, label_smoothing, ema): cheap to change and often worth a little;
 * - 0, the rest, mostly sizes (batch, layers, heads, width): they trade speed for capacity
 *   under a fixed budget, so they pay off least per run.
 */
export const SCHEDULE_PRIORITY = 2;
export const REGULARISATION_PRIORITY = 1;
export const OTHER_PRIORITY = 0;

/** The words of a name: `learningRate`, `learning_rate` and `learning-rate` all read learning, rate. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

export function defaultPriority(name: string): number {
  const w = words(name);
  // Short words must stand alone (`lr`, not the lr in `flr_count`); long ones may be part of a word (`lrdecay`).
  const has = (...xs: string[]) => xs.some((x) => w.includes(x));
  const within = (...xs: string[]) => xs.some((x) => w.some((word) => word.includes(x)));
  const weightDecay = w.join('').includes('weightdecay') || has('wd');
  if (!weightDecay && (has('lr', 'learning') || within('cosine', 'anneal', 'cooldown', 'warmup', 'schedul', 'decay'))) return SCHEDULE_PRIORITY;
  if (weightDecay || has('momentum', 'eps', 'epsilon', 'ema', 'smoothing') || within('dropout', 'beta', 'clip')) return REGULARISATION_PRIORITY;
  return OTHER_PRIORITY;
}

export const priorityOf = (marker: Marker): number => marker.priority ?? defaultPriority(marker.name);

/** How much one knob's moves have changed the metric so far. */
export interface Sensitivity {
  /** The largest |Δ| of a decided move of this knob; null when none has been decided. */
  size: number | null;
  /** Every decided move stayed within a noise SD of its baseline. */
  flat: boolean;
}

/** Each knob's sensitivity from the decided tweaks that moved it (a failed run gives no Δ). */
export function sensitivities(results: readonly TweakResult[]): Map<string, Sensitivity> {
  const out = new Map<string, Sensitivity>();
  for (const r of results) {
    if (r.delta === null) continue;
    const size = Math.abs(r.delta);
    for (const { name } of r.moves) {
      const before = out.get(name);
      const flat = size < (r.noiseSd ?? 0) && (before?.flat ?? true);
      out.set(name, { size: Math.max(size, before?.size ?? 0), flat });
    }
  }
  return out;
}

/** Sensitive first, then untried, then flat. */
function band(s: Sensitivity | undefined): number {
  if (!s || s.size === null) return 1;
  return s.flat ? 2 : 0;
}

/** The `@knob` markers in the order the pattern search visits them. */
export function orderKnobs(markers: readonly Marker[], results: readonly TweakResult[]): Marker[] {
  const measured = sensitivities(results);
  const knobs = markers.filter((m) => m.marker === 'knob');
  const key = (m: Marker) => {
    const s = measured.get(m.name);
    return [-priorityOf(m), band(s), -(s?.size ?? 0), knobs.indexOf(m)];
  };
  return [...knobs].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const i = ka.findIndex((v, j) => v !== kb[j]);
    return i < 0 ? 0 : ka[i]! - kb[i]!;
  });
}
