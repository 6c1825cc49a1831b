import { showValue, type KnobValue } from '../knobs/literal.ts';
import type { Marker } from '../knobs/markers.ts';
import type { ExperimentRow } from '../store/types.ts';
import { observations, tweakResults, type TweakResult } from './knob-history.ts';
import { modelChoice } from './knob-model.ts';
import { orderKnobs } from './knob-order.ts';
import { neighbours } from './neighbours.ts';

/** One knob-phase proposal and the marker edits that make it. */
export interface KnobMove {
  edits: { marker: Marker; value: KnobValue }[];
  changeKey: string;
  description: string;
  hypothesis: string;
}

/**
 * Phase 3 of the planner: the next `@knob` configuration. With enough measured configurations,
 * the one a Gaussian process expects to improve most (agent/proposers/knob-model.ts); before that,
 * or when the model has nothing left to expect, a pattern search over the knobs in order of
 * expected value (agent/proposers/knob-order.ts), nearest moves first. A function of the markers
 * and the log alone, so a resumed session proposes what the killed one would have.
 */
export function nextKnobMove(
  markers: readonly Marker[],
  history: readonly ExperimentRow[],
  tried: ReadonlySet<string>,
  goal: 'minimize' | 'maximize',
): KnobMove | undefined {
  const results = tweakResults(history, markers);
  return modelMove(markers, results, tried, goal) ?? patternMove(markers, results, tried);
}

/** Every configuration proposed or measured: a configuration a tweak moved from was measured as its baseline. */
function measuredKeys(markers: readonly Marker[], results: readonly TweakResult[], tried: ReadonlySet<string>): Set<string> {
  const keyOf = keyFor(markers);
  return new Set([...tried, keyOf(currentConfig(markers)), ...observations(results).map((o) => keyOf(o.config))]);
}

/** The change key of a full configuration: every marker's value, in file order. */
function keyFor(markers: readonly Marker[]): (config: ReadonlyMap<string, KnobValue>) => string {
  const names = [...new Set(markers.map((m) => m.name))];
  return (config) => `config ${names.map((n) => `${n}=${showValue(config.get(n)!)}`).join(' ')}`;
}

const currentConfig = (markers: readonly Marker[]) => new Map(markers.map((m) => [m.name, m.value] as const));

/** The untried configuration a Gaussian process expects to improve most; undefined before there are enough points. */
export function modelMove(
  markers: readonly Marker[],
  results: readonly TweakResult[],
  tried: ReadonlySet<string>,
  goal: 'minimize' | 'maximize',
): KnobMove | undefined {
  const keyOf = keyFor(markers);
  const current = currentConfig(markers);
  const knobs = markers.filter((m) => m.marker === 'knob' && m.domain !== null);
  const noise = results.map((r) => r.noiseSd).filter((s): s is number => s !== null);
  const seen = measuredKeys(markers, results, tried);
  const untried = (config: ReadonlyMap<string, KnobValue>) => !seen.has(keyOf(config));
  const model = modelChoice(knobs, current, observations(results), { goal, noiseSd: noise.length > 0 ? Math.min(...noise) : null, untried });
  if (!model) return undefined;
  const edits = knobs.filter((k) => model.values.get(k.name) !== k.value).map((marker) => ({ marker, value: model.values.get(marker.name)! }));
  const { mean, sd } = model.prediction;
  return {
    edits,
    changeKey: keyOf(new Map([...current, ...model.values])),
    description: `tweak ${edits.map((e) => `${e.marker.name}: ${showValue(e.marker.value)} -> ${showValue(e.value)}`).join(', ')}`,
    hypothesis: `a Gaussian process fitted to ${model.points} measured points predicts ${mean.toPrecision(4)} ± ${sd.toPrecision(2)} here, the largest expected improvement (${model.expectedImprovement.toPrecision(2)}) among untried ones`,
  };
}

/** The pattern search: the first untried neighbour of the knobs in order of expected value. */
export function patternMove(markers: readonly Marker[], results: readonly TweakResult[], tried: ReadonlySet<string>): KnobMove | undefined {
  const keyOf = keyFor(markers);
  const current = currentConfig(markers);
  const seen = measuredKeys(markers, results, tried);
  for (const marker of orderKnobs(markers, results)) {
    for (const value of neighbours(marker)) {
      const changeKey = keyOf(new Map([...current, [marker.name, value]]));
      if (seen.has(changeKey)) continue;
      return {
        edits: [{ marker, value }],
        changeKey,
        description: `tweak ${marker.name}: ${showValue(marker.value)} -> ${showValue(value)}`,
        hypothesis: `${marker.name}=${showValue(value)} does better than ${showValue(marker.value)}`,
      };
    }
  }
  return undefined;
}
