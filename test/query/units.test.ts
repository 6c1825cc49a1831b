import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import { revertsOn } from '../../agent/session/baseline.ts';
import { decisionInput } from '../../agent/session/decision-input.ts';
import { autoresearchTsv } from '../../agent/query/autoresearch-tsv.ts';
import { renderTable, type Table } from '../../agent/query/format.ts';
import { sinceInstant } from '../../agent/query/since.ts';
import { sparkline } from '../../agent/query/sparkline.ts';
import { restartIds, row as logRow } from '../ui/rows.ts';
import type { ChartData } from '../../agent/report/chart-data.ts';
import { chartSvg } from '../../agent/report/chart-svg.ts';
import { decisionStates } from '../../agent/session/decision-states.ts';
import { pooledSd, mean } from '../../agent/stats/descriptive.ts';
import type { ExperimentRow, SessionRow } from '../../agent/store/types.ts';

const table: Table = {
  columns: [{ name: 'id' }, { name: 'x' }, { name: 'x' }, { name: 'text' }],
  rows: [
    [1, 0.5, null, 'plain'],
    [22, -1.25, 3, 'comma, "quote"\nand\ttab'],
  ],
};

test('formats: CSV quotes, TSV escapes, JSON keeps repeated names apart, the table aligns and fits', () => {
  assert.deepEqual(parseCsv(renderTable(table, 'csv')), [
    ['id', 'x', 'x', 'text'],
    ['1', '0.5', '', 'plain'],
    ['22', '-1.25', '3', 'comma, "quote"\nand\ttab'],
  ]);
  assert.equal(renderTable(table, 'tsv'), 'id\tx\tx\ttext\n1\t0.5\t\tplain\n22\t-1.25\t3\tcomma, "quote"\\nand\\ttab\n');
  assert.deepEqual(JSON.parse(renderTable(table, 'json')), [
    { id: 1, x: 0.5, x_2: null, text: 'plain' },
    { id: 22, x: -1.25, x_2: 3, text: 'comma, "quote"\nand\ttab' },
  ]);
  assert.equal(renderTable(table, 'jsonl').split('\n').length, 3);
  const lines = renderTable(table, 'table', { width: 24 }).trimEnd().split('\n');
  assert.deepEqual(lines, ['id      x  x  text', ' 1    0.5     plain', '22  -1.25  3  comma, "q…']);
});

test('--since: durations back from now, or a date; anything else is refused', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  const since = (text: string) => sinceInstant(text, now);
  assert.equal(since('2h'), '2025-06-01T10:00:00.000Z');
  assert.equal(since('90s'), '2025-06-01T11:58:30.000Z');
  assert.equal(since('1.5d'), '2025-05-31T00:00:00.000Z');
  assert.equal(since('2025-05-30T22:00:00Z'), '2025-05-30T22:00:00.000Z');
  assert.throws(() => since('yesterday'), /--since must be a duration/);
});

test('sparkline: scaled between min and max, bucketed to the width, flat series flat', () => {
  assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([8, 1]), '█▁');
  assert.equal(sparkline([2, 2, 2]), '▄▄▄');
  assert.equal(
    sparkline(
      Array.from({ length: 1000 }, (_, i) => i),
      10,
    ).length,
    10,
  );
  assert.equal(sparkline([NaN, Infinity]), '');
});

/** A log row for the session model's units: the dashboard's builder with the fields these tests lean on. */
function row(fields: Partial<ExperimentRow> & Pick<ExperimentRow, 'kind'>): ExperimentRow {
  return logRow({ decision: null, description: '', base_commit: 'A', backend: null, run_s: 1, ...fields });
}

test('reverts that top up a baseline: candidates compared with that commit and reverted, not failed runs', () => {
  restartIds();
  const rows = [
    row({ kind: 'baseline', decision: 'baseline', metric: 1 }),
    row({ kind: 'tweak', decision: 'revert', metric: 1.1, n_runs: 1 }),
    row({ kind: 'ablation', decision: 'revert', metric: 1.2, n_runs: 3 }),
    row({ kind: 'tweak', decision: 'revert', status: 'crashed' }),
    row({ kind: 'tweak', decision: 'revert', status: 'rejected' }),
    row({ kind: 'tweak', decision: 'keep', metric: 0.8, n_runs: 3, commit_sha: 'B' }),
    row({ kind: 'control', decision: 'baseline', metric: 0.8, base_commit: 'B' }),
    row({ kind: 'tweak', decision: 'revert', metric: 0.9, n_runs: 1, base_commit: 'B' }),
    row({ kind: 'tweak', decision: 'pending', metric: 0.9, base_commit: 'B' }),
  ];
  assert.equal(revertsOn(rows, 'A'), 2);
  assert.equal(revertsOn(rows, 'B'), 1);
  assert.equal(revertsOn(rows, 'C'), 0);
});

test('decision states replay the session in one pass and agree with the loop read of each decision', () => {
  restartIds();
  const rows: ExperimentRow[] = [];
  const add = (fields: Parameters<typeof row>[0]) => (rows.push(row(fields)), rows.at(-1)!);
  for (const m of [1.0, 1.2, 1.1]) add({ kind: 'baseline', decision: 'baseline', metric: m });
  const c1 = add({ kind: 'tweak', decision: 'revert', metric: 1.05 });
  add({ kind: 'confirm', parent_id: c1.id, metric: 1.15 });
  const c2 = add({ kind: 'tweak', decision: 'keep', metric: 0.9, commit_sha: 'B' });
  add({ kind: 'confirm', parent_id: c2.id, metric: 0.95 });
  for (const m of [0.97, 0.99]) add({ kind: 'control', decision: 'baseline', metric: m, base_commit: 'B' });
  const c3 = add({ kind: 'tweak', decision: 'revert', metric: 1.0, base_commit: 'B' });
  const c4 = add({ kind: 'tweak', decision: 'revert', metric: 0.5, base_commit: 'B' });
  add({ kind: 'confirm', parent_id: c4.id, status: 'crashed' }); // reverted for the crash, not by the rule
  add({ kind: 'tweak', status: 'rejected', decision: 'revert', base_commit: 'B' });

  const states = decisionStates(rows, 'minimize');
  const decided = [c1, c2, c3];
  assert.equal(states.length, decided.length);
  decided.forEach((candidate, i) => {
    const upTo = rows.filter((e) => e.id < candidate.id || e.id === candidate.id || e.parent_id === candidate.id);
    const seen = upTo.map((e) => (e.id === candidate.id ? { ...e, decision: 'pending' as const, commit_sha: null } : e));
    const input = decisionInput(seen, candidate.base_commit, 'minimize', { ...candidate, decision: 'pending' });
    const noise = pooledSd([input.baseline, ...input.noiseGroups].map((g) => g.map((m) => m.value)));
    assert.ok(Math.abs(states[i]!.state.baselineMean - mean(input.baseline.map((m) => m.value))) < 1e-12, `baseline mean of #${candidate.id}`);
    assert.equal(states[i]!.state.bestSingle, input.bestSingle, `best single of #${candidate.id}`);
    assert.ok(Math.abs(states[i]!.state.sd! - noise.sd) < 1e-12, `noise of #${candidate.id}`);
  });
  assert.equal(states[2]!.state.bestSingle, 0.9, "a kept change's runs are records to beat");
  assert.deepEqual(
    states.map((d) => d.runs),
    [2, 2, 1],
  );
});

test('decision states of a parallel session: confirmations interleaved with other runs count for their candidate; superseded ones are no decision', () => {
  restartIds();
  const rows: ExperimentRow[] = [];
  const add = (fields: Parameters<typeof row>[0]) => (rows.push(row(fields)), rows.at(-1)!);
  for (const m of [1.0, 1.2, 1.1]) add({ kind: 'baseline', decision: 'baseline', metric: m });
  const c1 = add({ kind: 'tweak', decision: 'revert', metric: 1.05 });
  const c2 = add({ kind: 'tweak', decision: 'revert', metric: 1.3 });
  add({ kind: 'confirm', parent_id: c1.id, metric: 1.15 });
  add({ kind: 'tweak', decision: 'revert', reason: 'superseded: proposed on A and #9 was kept there first', metric: 1.0 });
  const sequential = decisionStates([rows[0]!, rows[1]!, rows[2]!, c1, rows[5]!, c2], 'minimize');
  const parallel = decisionStates(rows, 'minimize');
  assert.deepEqual(parallel, sequential);
  assert.deepEqual(
    parallel.map((d) => d.runs),
    [2, 1],
  );
});

test('autoresearch-tsv: memory from memory_gb or peak_vram_mb, crash rows at 0, no tabs in descriptions', () => {
  restartIds();
  const session = { id: 1, baseline_commit: 'abcdef0123' } as SessionRow;
  const rows = [
    row({ kind: 'baseline', decision: 'baseline', metric: 1.5, final_json: '{"final":true,"peak_vram_mb":2048}' }),
    row({ kind: 'llm', decision: 'keep', metric: 1.4, commit_sha: '1234567890', description: 'a\tb', final_json: '{"final":true,"memory_gb":3.14}' }),
    row({ kind: 'llm', decision: 'revert', status: 'timeout', description: 'slow' }),
    row({ kind: 'llm', decision: 'pending', metric: 1.2, description: 'undecided' }),
  ];
  assert.equal(
    autoresearchTsv(session, rows),
    'commit\tval_bpb\tmemory_gb\tstatus\tdescription\n' +
      'abcdef0\t1.500000\t2.0\tkeep\tbaseline (mean of 1 of 1 runs)\n' +
      '1234567\t1.400000\t3.1\tkeep\ta b\n' +
      '\t0.000000\t0.0\tcrash\tslow\n',
  );
});

test('chart: well-formed SVG for a maximized metric, with escaped labels and points off the chart', () => {
  const data: ChartData = {
    title: 'session 3: accuracy <higher> & better',
    subtitle: '4 runs',
    metric: 'accuracy',
    goal: 'maximize',
    points: [
      { x: 1, y: 0.8, role: 'baseline', tip: '#1' },
      { x: 2, y: 0.82, role: 'baseline', tip: '#2' },
      { x: 3, y: 0.01, role: 'tried', tip: 'broken' },
      { x: 4, y: 0.9, role: 'kept', tip: 'good "one"' },
    ],
    failed: [5],
    baseline: [{ x: 2, mean: 0.81, sd: 0.014 }],
    best: [
      { x: 1, y: 0.81 },
      { x: 4, y: 0.9 },
      { x: 5, y: 0.9 },
    ],
    labels: [{ x: 4, y: 0.9, text: 'use <b>ReLU</b> & more', gain: 0.09 }],
    floor: 0.95,
    xMin: 1,
    xMax: 5,
  };
  const svg = chartSvg(data);
  assert.equal(XMLValidator.validate(svg), true);
  assert.ok(svg.includes('use &lt;b&gt;ReLU&lt;/b&gt; &amp; more'));
  assert.ok(svg.includes('off the chart') && svg.includes('>0.01<'), 'the broken run is an edge marker with its value');
  assert.ok(svg.includes('floor 0.95') && svg.includes('failed run'));
});
