import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { compareCommand } from '../../agent/cli/commands/compare.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { tempDir } from '../helpers.ts';
import { buildQueryLog } from '../query/fixture.ts';
import { nightshift } from './cli.ts';

// A log from the real loop (test/query/fixture.ts): session 1 keeps `tweak lr: 0.03 -> 0.015`
// with two confirmations, after ablations reverted on the same baseline commit.
const dir = tempDir('nightshift-compare-');
let db = '';
type Row = { id: number; kind: string; decision: string | null; description: string; base_commit: string; seed: number; metric: number | null; status: string };
let rows: Row[] = [];
before(async () => {
  db = await buildQueryLog(dir);
  const sqlite = new Database(db, { readonly: true });
  rows = sqlite.prepare('SELECT id, kind, decision, description, base_commit, seed, metric, status, parent_id FROM experiments ORDER BY id').all() as Row[];
  sqlite.close();
});

const kept = () => rows.find((r) => r.decision === 'keep')!;
const revertedOnSameCommit = () => rows.find((r) => r.decision === 'revert' && r.kind === 'ablation' && r.base_commit === kept().base_commit)!;

async function compare(args: string[], terminal?: { columns: number }): Promise<string> {
  let text = '';
  const stdout = {
    write: (s: string) => ((text += s), true),
    isTTY: terminal !== undefined,
    columns: terminal?.columns ?? 0,
    on: () => stdout,
  } as unknown as Stdout;
  assert.equal(await compareCommand([...args, '--db', db], stdout), 0);
  return text;
}

test('piped, compare is TSV: one column per experiment with its decision, metric over its runs, seeds and final-line facts', async () => {
  const [a, b] = [revertedOnSameCommit(), kept()];
  const text = await compare([String(a.id), `#${b.id}`]);
  const lines = text.split('\n');
  assert.equal(lines[0], `\t#${a.id}\t#${b.id}`);
  const field = (name: string) =>
    lines
      .find((l) => l.startsWith(`${name}\t`))
      ?.split('\t')
      .slice(1);
  assert.deepEqual(field('kind'), [a.kind, b.kind]);
  assert.deepEqual(field('description'), [a.description, b.description]);
  assert.deepEqual(field('decision'), ['revert', 'keep']);
  assert.match(field('reason')![1]!, /^kept: /);
  // The mean and n over the candidate's own runs (itself and its confirmations), as the log has them.
  const runsOf = (id: number) => rows.filter((r) => r.id === id || (r as unknown as { parent_id: number | null }).parent_id === id);
  const keptRuns = runsOf(b.id).filter((r) => r.status === 'done');
  const mean = keptRuns.reduce((s, r) => s + r.metric!, 0) / keptRuns.length;
  const [metricA, metricB] = field('val_loss mean ± SD')!;
  assert.match(metricB!, new RegExp(`^${Number(mean.toPrecision(4))} ± [0-9.e-]+ \\(n=${keptRuns.length}\\)$`));
  assert.match(metricA!, /\(n=2\)$/);
  assert.deepEqual(field('seeds'), [
    runsOf(a.id)
      .map((r) => r.seed)
      .join(', '),
    runsOf(b.id)
      .map((r) => r.seed)
      .join(', '),
  ]);
  // Each delta under its label: the verdict's own, and the kept commit's fresh runs against the baseline it replaced.
  assert.match(field('Δ at decision')![0]!, /^\+[0-9.e-]+ \(worse, [0-9.]+ SD, p=[0-9.]+\)$/);
  assert.match(field('Δ at decision')![1]!, /^-[0-9.e-]+ \(better, [0-9.]+ SD, p=[0-9.]+\)$/);
  assert.deepEqual(field('Δ re-measured')![0], '-');
  assert.match(field('Δ re-measured')![1]!, /^-[0-9.e-]+ \[-[0-9.e-]+, [-+][0-9.e-]+\] \(n=3 vs \d+\)$/);
  assert.deepEqual(field('steps'), ['800', '800']);
  assert.deepEqual(field('peak memory'), ['1.25 GB', '1.25 GB']);
  assert.match(field('run time')![1]!, /^[0-9.]+ s \(all 3 runs: [0-9.]+ s\)$/);
  // Both changes were made on one commit: the diff between them is their diffs diffed.
  assert.match(text, new RegExp(`#${b.id}'s diff against #${a.id}'s \\(both on ${a.base_commit.slice(0, 10)}\\):\n--- #${a.id}\n\\+\\+\\+ #${b.id}\n@@`));
  assert.match(text, /^-- {2}bias: true, \/\/ @ablate false$/m);
  assert.match(text, /^\+- {2}lr: 0\.03, \/\/ @knob/m);
});

test('a terminal gets an aligned table; a baseline run or another commit shows each diff against its base commit', async () => {
  const baseline = rows.find((r) => r.kind === 'baseline')!;
  const later = rows.find((r) => r.decision !== null && r.kind === 'ablation' && r.base_commit !== kept().base_commit)!;
  const text = await compare([String(kept().id), String(baseline.id), String(later.id)], { columns: 200 });
  // The header is grey on a terminal: its colour codes take no columns.
  const [header, ...body] = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  assert.ok(!text.includes('\t'));
  const column = header!.search(new RegExp(`\\s#${baseline.id}(\\s|$)`)) + 1;
  assert.ok(column > 0);
  const kindLine = body.find((l) => l.startsWith('kind'))!;
  assert.equal(kindLine.slice(column).split(/\s+/)[0], 'baseline', 'the columns line up under their headers');
  assert.match(text, new RegExp(`#${baseline.id} against its base commit ${baseline.base_commit.slice(0, 10)}:\n\\(no change\\)`));
  assert.match(text, new RegExp(`#${later.id} against its base commit ${later.base_commit.slice(0, 10)}:\ndiff --git`));
});

test('--chart overlays each experiment’s training loss by step, one colour each, every logged step drawn', async () => {
  const chart = path.join(dir, 'curves.svg');
  const ids = [revertedOnSameCommit().id, kept().id, rows.find((r) => r.kind === 'baseline')!.id];
  await compare([...ids.map(String), '--chart', chart]);
  const svg = fs.readFileSync(chart, 'utf8');
  assert.equal(XMLValidator.validate(svg), true);
  const paths = (new XMLParser({ ignoreAttributes: false }).parse(svg).svg.path as Record<string, unknown>[]).filter((p) => p.title !== undefined);
  assert.deepEqual(
    paths.map((p) => String(p.title).split(' ')[0]),
    ids.map((id) => `#${id}`),
  );
  assert.equal(new Set(paths.map((p) => p['@_stroke'])).size, 3);
  const sqlite = new Database(db, { readonly: true });
  for (const [i, id] of ids.entries()) {
    const steps = (sqlite.prepare("SELECT count(*) AS n FROM metrics WHERE experiment_id = ? AND name = 'train_loss'").get(id) as { n: number }).n;
    assert.ok(steps > 1);
    assert.equal(String(paths[i]!['@_d']).match(/[ML]/g)!.length, steps);
  }
  sqlite.close();
});

test('unknown ids, fewer than two ids and bad ids are one line on stderr and exit 2', async () => {
  const max = rows.at(-1)!.id;
  for (const [args, message] of [
    [[String(kept().id), String(max + 50)], `nightshift: no experiment ${max + 50} in the log (ids go up to ${max})`],
    [[String(kept().id)], 'nightshift: give at least two experiment ids to compare'],
    [['3', 'x'], "nightshift: an experiment id is a whole number like 12, got 'x'"],
  ] as const) {
    const result = await nightshift(['compare', ...args, '--db', db]);
    assert.equal(result.exitCode, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, message);
  }
});
