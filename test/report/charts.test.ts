import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { inflateSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { cleanup, render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { showCommand } from '../../agent/cli/commands/show.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { chartData, type ChartData } from '../../agent/report/chart-data.ts';
import { chartRange, stepAt } from '../../agent/report/chart-range.ts';
import { chartSvg } from '../../agent/report/chart-svg.ts';
import { svgToPng } from '../../agent/report/chart-png.ts';
import { curveText } from '../../agent/report/curves-text.ts';
import { interpolate } from '../../agent/report/curves.ts';
import { readCurves } from '../../agent/report/read-curves.ts';
import { summarize } from '../../agent/report/summary.ts';
import { Chart } from '../../agent/ui/dashboard/components/Chart.tsx';
import { textChart } from '../../agent/ui/dashboard/text-chart.ts';
import { logView, type LogView } from '../../agent/ui/dashboard/view-model.ts';
import { num } from '../../agent/format/numbers.ts';
import { mean, pooledSd } from '../../agent/stats/descriptive.ts';
import { openLogReadOnly } from '../../agent/store/db.ts';
import { runsOfCandidate } from '../../agent/store/experiment-reads.ts';
import { timedSeries } from '../../agent/store/metric-reads.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { readLog, tempDir } from '../helpers.ts';
import { buildQueryLog } from '../query/fixture.ts';

// A log from the real loop on the fast sandbox (test/query/fixture.ts): session 1 under the
// noise-aware rule keeps one tweak after ablations far worse than the baseline; its final lines
// state a floor (0.09) well below every run.
const dir = tempDir('nightshift-charts-');
let db = '';
let rows: ExperimentRow[] = [];
before(async () => {
  db = await buildQueryLog(dir);
  rows = readLog(db).rows;
});

const sessionRows = (id: number, upTo = Infinity) => rows.filter((e) => e.session_id === id && e.id <= upTo);
function chartOf(id: number, upTo = Infinity): ChartData {
  const session = readLog(db).sessions.find((s) => s.id === id)!;
  const r = sessionRows(id, upTo);
  return chartData(summarize(session, r), r);
}
const runsOfCandidateRows = (session: number, c: ExperimentRow) =>
  sessionRows(session).filter((e) => (e.id === c.id || e.parent_id === c.id) && e.status === 'done');
const headRuns = (r: readonly ExperimentRow[]) => r.filter((e) => (e.kind === 'baseline' || e.kind === 'control') && e.status === 'done');

test('the y-range hugs the data: the far-off floor is a labelled edge marker, ruinous ablations edge triangles', () => {
  const data = chartOf(1);
  const range = chartRange(data)!;
  assert.equal(range.floor, 'below');
  assert.ok(range.lo > 0.09, `range ${range.lo}..${range.hi} must not reach down to the floor`);
  const heads = headRuns(sessionRows(1)).map((e) => e.metric!);
  const kept = data.points.filter((p) => p.role === 'kept').map((p) => p.y);
  for (const v of [...heads, ...kept]) assert.ok(v >= range.lo && v <= range.hi, `${v} on the chart`);
  // The runs span about 0.016; the axis may add a little, not stretch to the floor or the ablations (> 7).
  assert.ok(range.hi - range.lo < 0.03, `span ${range.hi - range.lo}`);
  const svg = chartSvg(data);
  assert.ok(svg.includes('floor 0.09 ↓ (off the range)'));
  assert.ok(svg.includes('off the chart') && svg.includes('>9.77<'), 'the ablation is an edge marker with its value');
  const text = textChart(data, 80, 12).map((l) => l.map((s) => s.text).join(''));
  assert.match(text.at(-1)!, /floor 0\.09 ↓/);
});

test('the stepped baseline and its band are where the log says: each step the current commit’s runs so far ± the pooled noise', () => {
  const data = chartOf(1);
  const heads = headRuns(sessionRows(1));
  assert.ok(data.baseline.length >= 3);
  for (const step of data.baseline) {
    const at = heads.find((e) => e.id === step.x);
    assert.ok(at, `the baseline moves at a baseline or control run, not at #${step.x}`);
    const known = heads.filter((e) => e.id <= step.x);
    assert.ok(Math.abs(step.mean - mean(known.filter((e) => e.base_commit === at.base_commit).map((e) => e.metric!))) < 1e-12);
    const groups = [...new Set(known.map((e) => e.base_commit))].map((c) => known.filter((e) => e.base_commit === c).map((e) => e.metric!));
    assert.ok(Math.abs(step.sd! - pooledSd(groups).sd) < 1e-12, 'band: ± the pooled noise SD known then');
  }
  // After the keep the line moves once the new commit's batch of fresh runs is measured, at its last run.
  const keep = sessionRows(1).find((e) => e.decision === 'keep')!;
  const fresh = heads.filter((e) => e.base_commit === keep.commit_sha);
  assert.ok(fresh.length >= 2);
  assert.deepEqual(
    data.baseline.filter((s) => fresh.some((e) => e.id === s.x)).map((s) => s.x),
    [fresh.at(-1)!.id],
  );
  // Every candidate was compared with the baseline drawn where it ran: its commit's runs before it.
  for (const c of sessionRows(1).filter((e) => e.decision === 'keep' || e.decision === 'revert')) {
    const before = heads.filter((e) => e.base_commit === c.base_commit && e.id < c.id).map((e) => e.metric!);
    assert.ok(Math.abs(stepAt(data.baseline, c.id)!.mean - mean(before)) < 1e-12, `#${c.id}`);
  }
  const svg = chartSvg(data);
  assert.ok(svg.includes('baseline ± noise SD'));
  assert.equal((svg.match(/fill-opacity="0\.1"\/>/g) ?? []).length, data.baseline.length, 'one band per step');
});

test('the running best moves only at decisions, and each point is what the log held then', () => {
  for (const session of [1, 2]) {
    const data = chartOf(session);
    const r = sessionRows(session);
    const decidedAt = new Set(
      r
        .filter((e) => e.decision === 'keep' || e.decision === 'revert')
        .map((c) => Math.max(...r.filter((e) => e.id === c.id || e.parent_id === c.id).map((e) => e.id))),
    );
    const [first, ...moves] = data.best;
    assert.equal(first!.x, data.baseline[0]!.x, 'it starts with the first measured baseline');
    for (const p of moves) assert.ok(decidedAt.has(p.x), `session ${session}: #${p.x} is a decision`);
    // The chart drawn from the log as it stood at each point gives that point: no later run is used.
    for (const p of data.best) assert.deepEqual(chartOf(session, p.x).best.at(-1), p, `session ${session} #${p.x}`);
    for (const s of data.baseline) assert.deepEqual(chartOf(session, s.x).baseline.at(-1), s);
  }
  // Session 2 keeps two changes in a row; the best after each is the kept runs' mean until its commit is re-measured.
  const data = chartOf(2);
  const kept = sessionRows(2).filter((e) => e.decision === 'keep');
  const keptMean = (k: ExperimentRow) => mean(runsOfCandidateRows(2, k).map((e) => e.metric!));
  assert.ok(data.best.some((p) => Math.abs(p.y - keptMean(kept[0]!)) < 1e-12));
});

test('the dashboard’s text chart of the real log: the baseline’s band, its step after the keep, the running best', () => {
  const session = readLog(db).sessions.find((s) => s.id === 1)!;
  const data = logView(session, sessionRows(1), null).chart;
  const [width, height] = [80, 16];
  const lines = textChart(data, width, height);
  // Each row: the axis with its label, then one cell per column with its mark.
  const cells = lines.map((l) => l.slice(1).flatMap((s) => [...s.text].map((char) => ({ char, mark: s.mark }))));
  const plotWidth = cells[0]!.length;
  assert.equal([...lines[0]![0]!.text].length + plotWidth, width);
  // Where a value and an experiment id land, by the chart's scale (the range it shares with the SVG).
  const { lo, hi } = chartRange(data)!;
  const rowOf = (v: number) => Math.round(((hi - v) / (hi - lo)) * (height - 1));
  const idOf = (c: number) => data.xMin + (c / (plotWidth - 1)) * (data.xMax - data.xMin);
  // Marks that may be drawn over a line or the band: the runs, and the best over the baseline.
  const over = new Set(['best', 'tried', 'baseline', 'kept', 'failed', 'floor']);
  const at = (r: number, c: number) => cells[r]![c]!;

  let bandCells = 0;
  for (let c = 0; c < plotWidth; c++) {
    const b = stepAt(data.baseline, idOf(c));
    if (!b) {
      assert.ok(
        cells.every((row) => row[c]!.mark !== 'band' && row[c]!.mark !== 'line'),
        `column ${c}: nothing before the first baseline`,
      );
      continue;
    }
    // The band: every row within mean ± SD is filled, none outside it.
    const [top, bottom] = [rowOf(Math.min(hi, b.mean + b.sd!)), rowOf(Math.max(lo, b.mean - b.sd!))];
    assert.ok(top < rowOf(b.mean) && rowOf(b.mean) < bottom, `column ${c}: the band spans the line`);
    for (let r = 0; r < height; r++) {
      const { mark } = at(r, c);
      if (r >= top && r <= bottom) assert.ok(mark === 'band' || mark === 'line' || over.has(mark), `column ${c} row ${r}: ${mark} inside the band`);
      else assert.notEqual(mark, 'band', `column ${c} row ${r}: band outside mean ± SD`);
      if (mark === 'band') bandCells++;
    }
    // The baseline in force at that id: its line at its mean (the best may run along it).
    const line = at(rowOf(b.mean), c);
    assert.ok(line.mark === 'line' || over.has(line.mark), `column ${c}: ${line.mark} where the baseline ${b.mean} lies`);
    if (line.mark === 'line') assert.equal(line.char, '─');
    // The running best in force at that id, as the log held it at its decision.
    const best = stepAt(data.best, idOf(c))!;
    const mark = at(rowOf(best.y), c);
    assert.ok(mark.mark === 'best' || (over.has(mark.mark) && mark.mark !== 'floor'), `column ${c}: ${mark.mark} where the best ${best.y} lies`);
    if (mark.mark === 'best') assert.equal(mark.char, '━');
  }
  assert.ok(bandCells > plotWidth, 'the band is drawn');

  // The keep steps the line down once its commit is re-measured: a visible step, at that run's column, labelled as the current baseline.
  const keep = sessionRows(1).find((e) => e.decision === 'keep')!;
  const fresh = headRuns(sessionRows(1)).filter((e) => e.base_commit === keep.commit_sha);
  const [before, after] = [stepAt(data.baseline, keep.id)!, data.baseline.at(-1)!];
  assert.equal(after.x, fresh.at(-1)!.id);
  assert.ok(rowOf(after.mean) > rowOf(before.mean), 'the new baseline is lower (better) on the chart');
  const lineRows = (c: number) => cells.flatMap((row, r) => (row[c]!.mark === 'line' ? [r] : []));
  const columns = [...Array(plotWidth).keys()];
  const beforeCols = columns.filter((c) => idOf(c) >= keep.id && idOf(c) < after.x && lineRows(c).length > 0);
  const afterCols = columns.filter((c) => idOf(c) >= after.x && lineRows(c).length > 0);
  assert.ok(beforeCols.length > 0 && afterCols.length > 0);
  for (const c of beforeCols) assert.deepEqual(lineRows(c), [rowOf(before.mean)], `column ${c}`);
  for (const c of afterCols) assert.deepEqual(lineRows(c), [rowOf(after.mean)], `column ${c}`);
  assert.equal(lines[rowOf(after.mean)]![0]!.text.trim(), `${num(after.mean)}┼`);
  // The best moved at the decisions: drawn on more than one row, and at the end at the re-measured baseline.
  const bestRows = new Set(cells.flatMap((row, r) => (row.some((x) => x.mark === 'best') ? [r] : [])));
  assert.ok(bestRows.size >= 2, `best on rows ${[...bestRows]}`);
  assert.equal(data.best.at(-1)!.y, after.mean);

  // The dashboard names each glyph it drew.
  const { lastFrame } = render(h(Chart, { log: { chart: data } as LogView, width, height: height + 1 }));
  const frame = stripVTControlCharacters(lastFrame() ?? '').split('\n');
  cleanup();
  assert.equal(frame.length, height + 1);
  assert.match(frame.at(-1)!, /─ baseline ░ ±noise ━ best/);
  // Ink's test terminal is 100 columns: the legend ends with the floor's key, not cut before it.
  assert.notEqual(data.floor, null);
  assert.match(frame.at(-1)!, /━ best ┄ floor$/);
});

test('the progress chart is valid SVG and its PNG decodes to the image size', async () => {
  const svg = chartSvg(chartOf(1));
  assert.equal(XMLValidator.validate(svg), true);
  assert.equal(new XMLParser({ ignoreAttributes: false }).parse(svg).svg['@_xmlns'], 'http://www.w3.org/2000/svg');
  const png = await svgToPng(svg);
  assert.ok(png, 'the optional renderer is installed here');
  assert.deepEqual(decodePng(Buffer.from(png)), { width: 1800, height: 990 });
});

test('show ID --chart f.svg: learning curves of the change’s runs by step and by time over the baseline’s mean and band', async () => {
  const keep = sessionRows(1).find((e) => e.decision === 'keep')!;
  const file = path.join(tempDir(), 'curves', 'c.svg');
  let out = '';
  const stdout = { write: (s: string) => ((out += s), true), isTTY: false, columns: 0, on: () => stdout } as unknown as Stdout;
  assert.equal(await showCommand([String(keep.id), '--chart', file, '--db', db], stdout), 0);
  assert.match(out, new RegExp(`learning curves: ${file.replace(/[.\\/]/g, '\\$&')}, .*c\\.png\\n$`));
  const svg = fs.readFileSync(file, 'utf8');
  assert.equal(XMLValidator.validate(svg), true);
  for (const s of ['train_loss by step', 'train_loss by time', 'baseline mean ± SD (6 runs)', `#${keep.id} seed ${keep.seed}`]) assert.ok(svg.includes(s), s);
  assert.match(svg, /<path d="M[^"]+Z" fill="#2f6fd0" fill-opacity="0\.15"\/>/, 'the band');
  assert.deepEqual(decodePng(fs.readFileSync(file.replace(/svg$/, 'png'))).width, 1800);

  // The band is the baseline the change was compared with: its commit's runs before it, on a common step grid.
  const log = openLogReadOnly(db);
  try {
    const runs = runsOfCandidate(log, keep.id);
    const curves = readCurves(log, keep, runs);
    const step = curves.metrics.find((m) => m.name === 'train_loss')!.step;
    assert.deepEqual(
      step.runs.map((r) => r.id),
      runs.map((r) => r.id),
    );
    const baseline = headRuns(sessionRows(1)).filter((e) => e.base_commit === keep.base_commit && e.id < keep.id);
    assert.equal(step.baseline!.runs, baseline.length);
    const series = timedSeries(
      log,
      baseline.map((e) => e.id),
    ).filter((s) => s.name === 'train_loss');
    const x = step.baseline!.x[7]!;
    assert.ok(Math.abs(step.baseline!.mean[7]! - mean(series.map((s) => interpolate({ x: s.steps, y: s.values }, x)))) < 1e-12);
    assert.ok(step.baseline!.hi[7]! > step.baseline!.mean[7]! && step.baseline!.lo[7]! < step.baseline!.mean[7]!);

    // The same in text, for the dashboard's detail view: labelled axes, within the width.
    const text = curveText(curves, 80, 8);
    for (const line of text) assert.ok([...line].length <= 80, line);
    assert.ok(text.some((l) => l.startsWith('train_loss by step:')) && text.some((l) => l.startsWith('train_loss by time:')));
    assert.ok(
      text.some((l) => /^ *[\d.]+│/.test(l)),
      'y labels',
    );
    assert.ok(text.some((l) => /└─+$/.test(l)));
    assert.ok(text.some((l) => /^ +\d+ +step +\d+$/.test(l)) && text.some((l) => /seconds/.test(l)), 'x labels');
    assert.ok(text.some((l) => l.includes('░')) && text.some((l) => l.includes('─ baseline mean')));
  } finally {
    log.close();
  }
});

test('show --chart names an .svg file', async () => {
  await assert.rejects(
    showCommand(['1', '--chart', 'c.png', '--db', db], { write: () => true, on() {} } as unknown as Stdout),
    /--chart must name an \.svg file/,
  );
});

/** Width and height of an 8-bit RGBA PNG, after inflating its pixel data and checking its length. */
function decodePng(png: Buffer): { width: number; height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  assert.deepEqual([png[24], png[25]], [8, 6], '8-bit RGBA');
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT') data.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  assert.equal(inflateSync(Buffer.concat(data)).length, height * (1 + width * 4), 'one filter byte and 4 bytes a pixel per row');
  return { width, height };
}
