import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMarkers } from '../../agent/knobs/markers.ts';
import { configOf, movesOf, observations, tweakResults } from '../../agent/proposers/knob-history.ts';
import { defaultPriority, orderKnobs, sensitivities } from '../../agent/proposers/knob-order.ts';
import { nextKnobMove } from '../../agent/proposers/knob-search.ts';
import { restartIds, row } from '../ui/rows.ts';

// File order puts the sizes first, as nanoGPT's config does.
const TS = `export const config = {
  batch: 32,             // @knob 16 32 64
  layers: 4,             // @knob 2..8 int
  heads: 4,              // @knob 1 2 4 8
  dropout: 0.1,          // @knob 0..0.3
  weight_decay: 0.1,     // @knob 0..0.3
  warmup_iters: 100,     // @knob 0..1000 int
  lr: 3e-3,              // @knob 1e-4..1e-2 log
  residual: true,        // @ablate false
};`;

const markers = () => parseMarkers('train.ts', TS).markers;
const names = (ms: { name: string }[]) => ms.map((m) => m.name);

test('priority=N is read from a knob line; a malformed one is a problem, not a guess', () => {
  const { markers: ms, problems } = parseMarkers('t.ts', ['a: 1, // @knob 1 2 priority=3', 'b: 2, // @knob priority=-1 1..4 int'].join('\n'));
  assert.deepEqual(problems, []);
  assert.deepEqual(
    ms.map((m) => [m.name, m.priority, m.domain?.type]),
    [
      ['a', 3, 'set'],
      ['b', -1, 'range'],
    ],
  );
  assert.equal(parseMarkers('t.ts', 'c: 1, // @knob 1 2').markers[0]!.priority, null);
  const bad = parseMarkers(
    't.ts',
    ['a: 1, // @knob 1 2 priority=high', 'b: 1, // @knob 1 2 priority=', 'c: 1, // @knob 1 2 priority=1 priority=2', 'd: 1, // @knob 1.5 2 priority=1.5'].join(
      '\n',
    ),
  );
  assert.equal(bad.markers.length, 0);
  assert.deepEqual(
    bad.problems.map((p) => [p.line, p.message]),
    [
      [0, '@knob: bad priority high: an integer, higher first'],
      [1, '@knob: bad priority (empty): an integer, higher first'],
      [2, '@knob: priority given twice'],
      [3, '@knob: bad priority 1.5: an integer, higher first'],
    ],
  );
});

test('default priorities: learning rate and schedule, then regularisation and optimiser, then the rest', () => {
  for (const n of [
    'lr',
    'learning_rate',
    'learningRate',
    'min_lr',
    'lr_decay_iters',
    'embed_lr',
    'warmup_iters',
    'warmupSteps',
    'lr_schedule',
    'cosine_cycles',
    'decay_steps',
    'lrdecay',
    'learning_rate_init',
  ]) {
    assert.equal(defaultPriority(n), 2, n);
  }
  for (const n of [
    'dropout',
    'attn_dropout',
    'weight_decay',
    'weightDecay',
    'wd',
    'beta1',
    'beta2',
    'grad_clip',
    'momentum',
    'eps',
    'label_smoothing',
    'ema',
    'weightdecay',
    'attndropout',
    'gradclip',
  ]) {
    assert.equal(defaultPriority(n), 1, n);
  }
  for (const n of ['batch_size', 'n_layer', 'heads', 'width', 'block_size', 'flr_count']) assert.equal(defaultPriority(n), 0, n);
});

test('without a log, knobs go by priority and then file order; a written priority outranks the default', () => {
  assert.deepEqual(names(orderKnobs(markers(), [])), ['warmup_iters', 'lr', 'dropout', 'weight_decay', 'batch', 'layers', 'heads']);
  const boosted = parseMarkers(
    'train.ts',
    TS.replace('// @knob 1 2 4 8', '// @knob 1 2 4 8 priority=5').replace('// @knob 1e-4..1e-2 log', '// @knob 1e-4..1e-2 log priority=-1'),
  ).markers;
  assert.deepEqual(names(orderKnobs(boosted, [])), ['heads', 'warmup_iters', 'dropout', 'weight_decay', 'batch', 'layers', 'lr']);
});

/** A decided tweak of one knob from the markers' current configuration. */
function tweak(name: string, from: string, to: string, delta: number, metric = 1 + delta) {
  const changeKey = `config ${markers()
    .map((m) => `${m.name}=${m.name === name ? to : TS.match(new RegExp(`${m.name}: ([^,]+),`))![1]!.replace('3e-3', '0.003')}`)
    .join(' ')}`;
  return row({
    kind: 'tweak',
    decision: delta < 0 ? 'keep' : 'revert',
    change_key: changeKey,
    description: `tweak ${name}: ${from} -> ${to}`,
    metric,
    delta,
    noise_sd: 0.01,
  });
}

test('within a priority: sensitive knobs first, then untried ones, then those measured as flat', () => {
  restartIds();
  // dropout moved twice within noise (flat); weight_decay by 3 noise SD; batch untried, layers flat.
  const history = [
    tweak('dropout', '0.1', '0.16', 0.004),
    tweak('dropout', '0.1', '0.04', -0.003),
    tweak('weight_decay', '0.1', '0.16', 0.03),
    tweak('layers', '4', '5', 0.001),
  ];
  const results = tweakResults(history, markers());
  assert.deepEqual(
    [...sensitivities(results)],
    [
      ['dropout', { size: 0.004, flat: true }],
      ['weight_decay', { size: 0.03, flat: false }],
      ['layers', { size: 0.001, flat: true }],
    ],
  );
  assert.deepEqual(names(orderKnobs(markers(), results)), ['warmup_iters', 'lr', 'weight_decay', 'dropout', 'batch', 'heads', 'layers']);
});

test('the log is read back: configurations, moves (one or several), means with confirmations, the baseline each moved from', () => {
  restartIds();
  const ms = markers();
  const key = 'config batch=32 layers=4 heads=4 dropout=0.1 weight_decay=0.1 warmup_iters=100 lr=0.006 residual=true';
  assert.equal(configOf(key, ms)!.get('lr'), 0.006);
  assert.equal(configOf('config lr=0.006', ms), null, 'made with other markers');
  assert.deepEqual(movesOf('tweak lr: 0.003 -> 6e-3, dropout: 0.1 -> 0.05', ['dropout', 'lr']), [
    { name: 'dropout', from: 0.1, to: 0.05 },
    { name: 'lr', from: 0.003, to: 0.006 },
  ]);
  const candidate = row({ kind: 'tweak', decision: 'keep', change_key: key, description: 'tweak lr: 0.003 -> 0.006', metric: 1.0, delta: -0.05 });
  const confirm = row({ kind: 'confirm', parent_id: candidate.id, metric: 1.1, decision: null });
  const failed = row({ kind: 'confirm', parent_id: candidate.id, metric: null, status: 'crashed', decision: null });
  const [obs, base] = observations(tweakResults([candidate, confirm, failed], ms));
  assert.equal(obs!.value, 1.05);
  assert.equal(base!.config.get('lr'), 0.003);
  assert.ok(Math.abs(base!.value! - 1.1) < 1e-12);
});

test('the pattern search tweaks the learning rate first though it is last in the file, and never re-proposes a measured baseline', () => {
  restartIds();
  const ms = markers();
  const first = nextKnobMove(ms, [], new Set(), 'minimize')!;
  assert.equal(first.description, 'tweak warmup_iters: 100 -> 300');
  const lrFirst = parseMarkers(
    'train.ts',
    TS.replace('warmup_iters: 100,     // @knob 0..1000 int', 'warmup_iters: 100,     // @knob 0..1000 int priority=0'),
  ).markers;
  assert.equal(nextKnobMove(lrFirst, [], new Set(), 'minimize')!.description, 'tweak lr: 0.003 -> 0.006');
  // After keeping 0.003 -> 0.0015, doubling again would re-measure the old baseline: the next move is halving.
  const kept = parseMarkers('train.ts', TS.replace('lr: 3e-3, ', 'lr: 0.0015,')).markers;
  const key = 'config batch=32 layers=4 heads=4 dropout=0.1 weight_decay=0.1 warmup_iters=100 lr=0.0015 residual=true';
  const history = [row({ kind: 'tweak', decision: 'keep', change_key: key, description: 'tweak lr: 0.003 -> 0.0015', metric: 1, delta: -0.1 })];
  const lrKept = kept.map((m) => (m.name === 'warmup_iters' ? { ...m, priority: 0 } : m));
  assert.equal(nextKnobMove(lrKept, history, new Set([key]), 'minimize')!.description, 'tweak lr: 0.0015 -> 7.5e-4');
});
