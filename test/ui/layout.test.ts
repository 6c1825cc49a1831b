import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layout, PARTS, type LayoutInput } from '../../agent/ui/dashboard/layout.ts';
import { fitPieces, type Piece } from '../../agent/ui/dashboard/pieces.ts';
import { textChart } from '../../agent/ui/dashboard/text-chart.ts';
import type { ChartData } from '../../agent/report/chart-data.ts';

const busy: Omit<LayoutInput, 'height'> = {
  notice: true,
  inFlight: true,
  hypothesis: true,
  metric: true,
  llm: true,
  chart: true,
  recentRows: 200,
  effectRows: 6,
  interactionRows: 3,
};
const total = (l: Record<string, number>) => PARTS.reduce((s, p) => s + l[p]!, 0);

test('the frame always stays below the terminal height (Ink redraws the whole screen when it fills it)', () => {
  for (let height = 3; height <= 80; height++) {
    const l = layout({ ...busy, height });
    assert.ok(total(l) <= height - 1, `height ${height}: ${total(l)} lines`);
  }
});

test('80x24 keeps what matters: status, counts, the run in flight, the metric, a chart, recent runs, effects, keys', () => {
  const l = layout({ ...busy, height: 24 });
  for (const part of ['status', 'counts', 'inFlight', 'metric', 'keys'] as const) assert.ok(l[part] > 0, part);
  assert.ok(l.chart >= 4, `chart ${l.chart}`);
  assert.ok(l.recent >= 4, `recent ${l.recent}`);
  assert.ok(l.effects >= 3, `effects ${l.effects}`);
});

test('a tall terminal grows the chart and lists every effect; the recent table takes the rest', () => {
  const l = layout({ ...busy, height: 60 });
  assert.equal(l.effects, 7);
  assert.equal(l.interactions, 4);
  assert.equal(l.chart, 16);
  assert.equal(total(l), 59);
});

test('a tiny terminal drops the least important parts first', () => {
  const l = layout({ ...busy, height: 8 });
  assert.deepEqual([l.status, l.counts, l.inFlight, l.keys, l.metric], [1, 1, 2, 1, 1]);
  assert.equal(l.chart + l.effects + l.identity, 0);
});

const chart = (over: Partial<ChartData> = {}): ChartData => ({
  title: '',
  subtitle: '',
  metric: 'val_bpb',
  goal: 'minimize',
  baseline: [{ x: 3, mean: 1.9, sd: 0.02 }],
  best: [
    { x: 3, y: 1.9 },
    { x: 4, y: 1.8 },
  ],
  labels: [],
  floor: null,
  xMin: 1,
  xMax: 6,
  points: (
    [
      [1, 1.9, 'baseline'],
      [2, 1.92, 'baseline'],
      [3, 1.88, 'baseline'],
      [4, 1.8, 'kept'],
      [5, 9, 'tried'],
    ] as const
  ).map(([x, y, role]) => ({ x, y, role, tip: '' })),
  failed: [6],
  ...over,
});
const text = (lines: { text: string }[][]) => lines.map((l) => l.map((s) => s.text).join(''));

test('the text chart: kept runs marked, the baseline as a line at its value, a failed run as a cross, a far-off run clipped', () => {
  const lines = text(textChart(chart(), 40, 8));
  assert.equal(lines.length, 8);
  for (const line of lines) assert.equal([...line].length, 40);
  const baselineRow = lines.find((l) => l.trimStart().startsWith('1.9┼'))!;
  assert.ok(baselineRow, lines.join('\n'));
  assert.match(baselineRow, /─{5}/);
  assert.ok(lines.at(-1)!.includes('◆'), 'the kept run is the best: bottom row');
  assert.ok(lines.at(-1)!.includes('×'), 'the failed run on the bottom row');
  assert.ok(lines[0]!.includes('▲'), 'the ruinous tweak is clipped to the top edge');
});

test('the text chart draws nothing without points, or without room', () => {
  assert.deepEqual(textChart(chart({ points: [], failed: [], baseline: [], best: [] }), 40, 8), []);
  assert.deepEqual(textChart(chart(), 8, 8), []);
});

test('pieces of a line are cut to its width: the flexible one gives up its tail, then the last ones go', () => {
  const line = (pieces: Piece[], width: number) =>
    fitPieces(pieces, width)
      .map((p) => p.text)
      .join('');
  const status = [
    { key: 's', text: '● stopping after the run in flight (Q: stop it now)', flex: true },
    { key: 'e', text: ' · 2h47m' },
  ];
  assert.equal(line(status, 100), '● stopping after the run in flight (Q: stop it now) · 2h47m');
  assert.equal(line(status, 30).length, 30);
  assert.ok(line(status, 30).endsWith(' · 2h47m'), 'the clock stays');
  const meter = ['  ████░░ ', '1m02s', '/5m00s', ' · step 120', ' · 51.2k tok/s'].map((text, i) => ({ key: String(i), text }));
  assert.equal(line(meter, 31), '  ████░░ 1m02s/5m00s · step 120');
  assert.equal(line(meter, 30), '  ████░░ 1m02s/5m00s');
  assert.equal(line(meter, 8), '  ████░…');
  assert.equal(line([{ key: 'x', text: '' }, ...meter.slice(0, 2)], 80), '  ████░░ 1m02s', 'empty pieces vanish');
});
