import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KnobValue } from '../../agent/knobs/literal.ts';
import { type Marker, parseMarkers } from '../../agent/knobs/markers.ts';
import { expectedImprovement, fitGp } from '../../agent/proposers/gp.ts';
import { tweakResults } from '../../agent/proposers/knob-history.ts';
import { type KnobMove, modelMove, nextKnobMove, patternMove } from '../../agent/proposers/knob-search.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { restartIds, row } from '../ui/rows.ts';

type Response = (config: Map<string, KnobValue>) => number;
type Strategy = (markers: Marker[], history: ExperimentRow[], tried: Set<string>) => KnobMove | undefined;

const withModel: Strategy = (markers, history, tried) => nextKnobMove(markers, history, tried, 'minimize');
const patternOnly: Strategy = (markers, history, tried) => patternMove(markers, tweakResults(history, markers), tried);

/**
 * The knob phase against a noiseless response, decided like the greedy rule: keep a move that
 * lowers the metric. Returns the metric of every proposal in order, and the log.
 */
function simulate(text: string, f: Response, strategy: Strategy, proposals: number) {
  restartIds();
  let markers = parseMarkers('train.ts', text).markers;
  const configOf = (ms: Marker[]) => new Map(ms.map((m) => [m.name, m.value] as const));
  let baseline = f(configOf(markers));
  const history: ExperimentRow[] = [];
  const values: number[] = [];
  for (let i = 0; i < proposals; i++) {
    const tried = new Set(history.map((e) => e.change_key!));
    const move = strategy(markers, history, tried);
    if (!move) break;
    assert.ok(!tried.has(move.changeKey), `proposal ${i} repeats ${move.changeKey}`);
    const moved = markers.map((m) => {
      const edit = move.edits.find((e) => e.marker.name === m.name);
      return edit ? { ...m, value: edit.value } : m;
    });
    const metric = f(configOf(moved));
    if (Number.isNaN(metric)) {
      history.push(
        row({ kind: 'tweak', status: 'crashed', decision: 'revert', change_key: move.changeKey, description: move.description, hypothesis: move.hypothesis }),
      );
      values.push(Infinity);
      continue;
    }
    const keep = metric < baseline;
    history.push(
      row({
        kind: 'tweak',
        decision: keep ? 'keep' : 'revert',
        change_key: move.changeKey,
        description: move.description,
        hypothesis: move.hypothesis,
        metric,
        delta: metric - baseline,
        noise_sd: 0.001,
      }),
    );
    values.push(metric);
    if (keep) {
      markers = moved;
      baseline = metric;
    }
  }
  return { values, history, markers };
}

/** Proposals until one measures within `tolerance` of the optimum (Infinity when none does). */
const proposalsToReach = (values: number[], optimum: number, tolerance: number) => {
  const i = values.findIndex((v) => v - optimum < tolerance);
  return i < 0 ? Infinity : i + 1;
};

const ONE_D = 'export const config = {\n  lr: 0.003, // @knob 1e-4..1e-2 log\n};';
const TWO_D = 'export const config = {\n  lr: 0.003, // @knob 1e-4..1e-2 log\n  dropout: 0.02, // @knob 0..0.3\n};';
const lrTerm = (c: Map<string, KnobValue>) => (Math.log10(Number(c.get('lr'))) - Math.log10(0.00035)) ** 2;
const dropoutTerm = (c: Map<string, KnobValue>) => 20 * (Number(c.get('dropout')) - 0.21) ** 2;

test('the Gaussian process interpolates what it saw and is unsure away from it', () => {
  const xs = [[0], [0.25], [0.5], [0.75], [1]];
  const gp = fitGp(
    xs,
    xs.map(([x]) => (x! - 0.4) ** 2),
  )!;
  assert.ok(Math.abs(gp.predict([0.5]).mean - 0.01) < 0.02);
  assert.ok(gp.predict([0.4]).sd < gp.predict([2]).sd);
  assert.ok(expectedImprovement({ mean: 0, sd: 1 }, 0) > expectedImprovement({ mean: 0, sd: 0.1 }, 0));
  assert.equal(fitGp([[0]], [1]), null);
});

test('1-D quadratic in log lr: the model reaches the optimum in fewer proposals than the pattern search', () => {
  // Several optima, so neither search is lucky to have one on its grid.
  let [model, pattern] = [0, 0];
  for (const optimum of [0.00025, 0.0005, 0.0012]) {
    const f = (c: Map<string, KnobValue>) => 1 + (Math.log10(Number(c.get('lr'))) - Math.log10(optimum)) ** 2;
    const withIt = simulate(ONE_D, f, withModel, 20);
    assert.ok(
      withIt.history.some((e) => /Gaussian process/.test(e.hypothesis!)),
      'the model proposed',
    );
    model += proposalsToReach(withIt.values, 1, 0.001);
    pattern += proposalsToReach(simulate(ONE_D, f, patternOnly, 20).values, 1, 0.001);
  }
  assert.ok(model < pattern, `model ${model} proposals in all, pattern search ${pattern}`);
});

test('2-D quadratic (log lr × linear dropout): the model reaches the optimum in fewer proposals than the pattern search', () => {
  const f = (c: Map<string, KnobValue>) => 1 + lrTerm(c) + dropoutTerm(c);
  const model = simulate(TWO_D, f, withModel, 30);
  const pattern = simulate(TWO_D, f, patternOnly, 30);
  const [m, p] = [proposalsToReach(model.values, 1, 0.005), proposalsToReach(pattern.values, 1, 0.005)];
  assert.ok(m < p, `model ${m} proposals, pattern search ${p}`);
});

test('the model waits for enough points, stays in the domain, never repeats, and is a function of the log', () => {
  const f = (c: Map<string, KnobValue>) => 1 + lrTerm(c) + dropoutTerm(c);
  const { history, markers } = simulate(TWO_D, f, withModel, 12);
  // 2 knobs: four points are needed; the first tweak gives two (its own and its base).
  const first = parseMarkers('train.ts', TWO_D).markers;
  assert.equal(modelMove(first, tweakResults(history.slice(0, 1), first), new Set(), 'minimize'), undefined);
  const tried = new Set(history.map((e) => e.change_key!));
  const a = modelMove(markers, tweakResults(history, markers), tried, 'minimize')!;
  const b = modelMove(markers, tweakResults(history, markers), tried, 'minimize')!;
  assert.deepEqual(a, b);
  assert.ok(!tried.has(a.changeKey));
  for (const { marker, value } of a.edits) {
    const d = marker.domain!;
    assert.ok(d.type === 'range' && Number(value) >= d.min && Number(value) <= d.max, `${marker.name}=${value}`);
  }
  assert.match(a.description, /^tweak (lr|dropout): /);
});

test('sets are searched by the model: ordinal numbers and categorical strings', () => {
  const text = "export const c = {\n  heads: 4, // @knob 1 2 4 8 16\n  act: 'relu', // @knob 'relu' 'gelu' 'silu'\n};";
  const effect: Record<string, number> = { relu: 0.05, gelu: 0, silu: 0.02 };
  const f = (c: Map<string, KnobValue>) => 1 + 0.01 * (Math.log2(Number(c.get('heads'))) - 1) ** 2 + effect[String(c.get('act'))]!;
  const { values, history } = simulate(text, f, withModel, 12);
  assert.ok(Math.min(...values) < 1.0001, `best ${Math.min(...values)}`);
  assert.equal(new Set(history.map((e) => e.change_key)).size, history.length);
});

test('points measured with another value of an unsearched marker (a kept ablation since) are left out of the model', () => {
  const text = TWO_D.replace('};', '  residual: true, // @ablate false\n};');
  const f = (c: Map<string, KnobValue>) => 1 + lrTerm(c) + dropoutTerm(c);
  const { history, markers } = simulate(text, f, withModel, 8);
  const tried = new Set(history.map((e) => e.change_key!));
  assert.ok(modelMove(markers, tweakResults(history, markers), tried, 'minimize'));
  const ablated = markers.map((m) => (m.name === 'residual' ? { ...m, value: false } : m));
  assert.equal(modelMove(ablated, tweakResults(history, ablated), tried, 'minimize'), undefined);
});

test('a failed run counts as the worst value measured, so the model stays out of a diverging region', () => {
  // The optimum sits just below where training diverges, as a good learning rate often does.
  const f = (c: Map<string, KnobValue>) => (Number(c.get('lr')) > 0.008 ? NaN : 1 + (Math.log10(Number(c.get('lr'))) - Math.log10(0.006)) ** 2);
  const { values, history } = simulate(ONE_D, f, withModel, 15);
  const failed = values.filter((v) => v === Infinity).length;
  assert.ok(failed <= 3, `${failed} failed runs:\n${history.map((e) => e.description).join('\n')}`);
  assert.ok(Math.min(...values) < 1.001);
});
