import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { parse as parseCsv } from 'csv-parse/sync';
import { execa } from 'execa';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { exportCommand } from '../../agent/cli/commands/export.ts';
import { logCommand } from '../../agent/cli/commands/log.ts';
import { reportCommand } from '../../agent/cli/commands/report.ts';
import { showCommand } from '../../agent/cli/commands/show.ts';
import { sqlCommand } from '../../agent/cli/commands/sql.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { nightshift } from '../cli/cli.ts';
import { outsideGitDir } from '../../agent/workspace/workspace.ts';
import { fastSandbox, tempDir } from '../helpers.ts';
import { options, runLoop } from '../loop/harness.ts';
import { buildQueryLog } from './fixture.ts';

// The commands run in this process (each takes its stdout as a parameter); a few checks at the
// end run the real binary for what only a child process shows: exit codes and stderr.
const dir = tempDir('nightshift-query-');
let db = '';
before(async () => {
  db = await buildQueryLog(dir);
});

const COMMANDS = { log: logCommand, show: showCommand, sql: sqlCommand, export: exportCommand, report: reportCommand };
type Name = keyof typeof COMMANDS;

/** Runs a command on the log as if stdout were a pipe, or a terminal `columns` wide. */
async function ok([name, ...args]: [Name, ...string[]], terminal?: { columns: number }): Promise<string> {
  let text = '';
  const stdout = {
    write: (chunk: string) => ((text += chunk), true),
    isTTY: terminal !== undefined,
    columns: terminal?.columns ?? 0,
    on: () => stdout,
  } as unknown as Stdout;
  assert.equal(await COMMANDS[name]([...args, '--db', db], stdout), 0);
  if (!terminal) assert.doesNotMatch(text, /\x1b\[/, 'no colour codes when piped');
  return text;
}

/** A refusal: a UserError (one line on stderr, exit 2 from the binary) whose message matches. */
async function refused([name, ...args]: [Name, ...string[]], pattern: RegExp): Promise<void> {
  await assert.rejects(COMMANDS[name](args, { write: () => true, on() {} } as unknown as Stdout), (error: Error) => {
    assert.equal(error.name, 'UserError', `${name} ${args.join(' ')}: ${error.stack}`);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const sessionRows = (session: number) => {
  const raw = new Database(db, { readonly: true });
  try {
    return raw.prepare('SELECT * FROM experiments WHERE session_id = ? ORDER BY id').all(session) as Record<string, unknown>[];
  } finally {
    raw.close();
  }
};

test('log: the latest session as TSV when piped, every format, filters and sort', async () => {
  const latest = sessionRows(2);
  const tsv = (await ok(['log'])).trimEnd().split('\n');
  assert.deepEqual(tsv[0]!.split('\t'), 'id kind status decision metric delta p seed run_s peak_mem_mb created_at description'.split(' '));
  assert.deepEqual(
    tsv.slice(1).map((l) => Number(l.split('\t')[0])),
    latest.map((e) => e.id),
  );

  const [csv, json, jsonl, table, all] = await Promise.all([
    ok(['log', '--session', '1', '--format', 'csv']),
    ok(['log', '--format', 'json']),
    ok(['log', '--format', 'jsonl', '--kept']),
    ok(['log', '--format', 'table']),
    ok(['log', '--all', '--format', 'jsonl']),
  ]);
  const csvRows = parseCsv(csv, { columns: true }) as Record<string, string>[];
  assert.deepEqual(
    csvRows.map((r) => Number(r.id)),
    sessionRows(1).map((e) => e.id),
  );
  const parsed = JSON.parse(json) as Record<string, unknown>[];
  assert.equal(parsed.length, latest.length);
  assert.equal(parsed[0]!.metric, latest[0]!.metric, 'machine formats keep full precision');
  assert.deepEqual(
    jsonLines(jsonl).map((r) => r.decision),
    ['keep', 'keep'],
  );
  const lines = table.trimEnd().split('\n');
  assert.match(lines[0]!, /^id\s+kind\s+status\s+decision\s+metric/);
  const descriptionAt = lines[0]!.indexOf('description');
  for (const l of lines.slice(1)) assert.match(l.slice(descriptionAt), /^(baseline|ablate|tweak|control|confirm)/, 'columns are aligned');
  assert.equal(jsonLines(all).length, sessionRows(1).length + latest.length);
  assert.ok(jsonLines(all).every((r) => r.session === 1 || r.session === 2));

  const [crashed, kinds, since, future, best] = await Promise.all([
    ok(['log', '--all', '--status', 'crashed', '--format', 'jsonl']),
    ok(['log', '--session', '1', '--kind', 'ablation,interaction', '--format', 'jsonl']),
    ok(['log', '--since', '2h', '--format', 'jsonl']),
    ok(['log', '--since', '2999-01-01', '--format', 'jsonl']),
    ok(['log', '--sort', 'best', '--limit', '1', '--format', 'jsonl']),
  ]);
  assert.equal(jsonLines(crashed).length, 2);
  assert.ok(jsonLines(crashed).every((r) => r.status === 'crashed' && r.kind === 'tweak'));
  assert.deepEqual(new Set(jsonLines(kinds).map((r) => r.kind)), new Set(['ablation', 'interaction']));
  assert.equal(jsonLines(since).length, latest.length);
  assert.equal(future.trim(), '');
  // Ranked by what was measured, a candidate's or a commit's mean, never one run (test/query/sort-best.test.ts).
  const means = jsonLines(await ok(['log', '--sort', 'best', '--format', 'jsonl'])).flatMap((r) => (typeof r.mean === 'number' ? [r.mean] : []));
  assert.equal(jsonLines(best)[0]!.mean, Math.min(...means));
});

test('show: description, hypothesis, spec, runs with confirmations, decision, diff, step chart, log tail; --log', async () => {
  const ablation = sessionRows(1).find((e) => e.kind === 'ablation')!;
  const text = await ok(['show', String(ablation.id)]);
  for (const expected of [
    String(ablation.description),
    'hypothesis',
    'proposer    planner',
    'spec        REMOVE bias: true -> false',
    'metric      val_loss',
    'delta',
    'decision',
    String(ablation.reason),
    'runs of this change',
    `#${Number(ablation.id) + 1}`,
    'confirm',
    'diff --git a/train.mjs b/train.mjs',
    '-  bias: true,',
    '+  bias: false,',
    'step metrics',
    'train_loss',
    'log tail',
    '@ns {"final":true',
  ])
    assert.ok(text.includes(expected), `show should include ${JSON.stringify(expected)}:\n${text}`);
  assert.match(text, /train_loss\s+[▁▂▃▄▅▆▇█]+/);

  const confirm = sessionRows(1).find((e) => e.kind === 'confirm')!;
  assert.match(await ok(['show', `#${confirm.id}`]), new RegExp(`confirms\\s+#${confirm.parent_id}`));
  const crashed = sessionRows(1).find((e) => e.status === 'crashed')!;
  assert.match(await ok(['show', String(crashed.id)]), /simulated out of memory/);
  assert.match(await ok(['show', '1']), /runs of this baseline[\s\S]*mean .* over \d+ finished runs/);

  const whole = await ok(['show', String(ablation.id), '--log']);
  assert.equal(whole, fs.readFileSync(String(ablation.log_path), 'utf8'));
});

test('sql: queries in every format; anything that would write is refused and the file is untouched', async () => {
  const query = 'SELECT kind, count(*) AS n FROM experiments GROUP BY kind ORDER BY kind';
  const [tsv, json, csv] = await Promise.all([ok(['sql', query]), ok(['sql', query, '--format', 'json']), ok(['sql', query, '--format', 'csv'])]);
  assert.equal(tsv.split('\n')[0], 'kind\tn');
  const counts = JSON.parse(json) as { kind: string; n: number }[];
  assert.equal(
    counts.reduce((s, r) => s + r.n, 0),
    sessionRows(1).length + sessionRows(2).length,
  );
  assert.deepEqual(parseCsv(csv, { columns: true, cast: true }), counts);
  assert.match(await ok(['sql', 'PRAGMA table_info(metrics)']), /experiment_id/);

  const hash = () => createHash('sha256').update(fs.readFileSync(db)).digest('hex');
  const before = hash();
  const refusals: [string, RegExp][] = [
    ["INSERT INTO sessions (status) VALUES ('running')", /refused: INSERT would write/],
    ['UPDATE experiments SET metric = 0', /refused: UPDATE would write/],
    ['DELETE FROM metrics', /refused: DELETE would write/],
    ['DROP TABLE metrics', /refused: DROP would write/],
    ['/* sneaky */ delete from experiments', /refused: DELETE would write/],
    ['WITH x AS (SELECT 1) DELETE FROM metrics', /refused: WITH would write/],
    ["ATTACH 'other.db' AS other", /refused: ATTACH would open or close another database/],
    ['PRAGMA user_version = 99', /refused: PRAGMA would write/],
    ['PRAGMA journal_mode = DELETE', /refused: PRAGMA would write/],
    ['PRAGMA query_only = 0', /refused: PRAGMA settings change the connection/],
    ['VACUUM', /refused: VACUUM would write/],
    ['SELECT 1; DELETE FROM metrics', /one statement at a time/],
    ['SELEC * FROM experiments', /SQL error: near "SELEC": syntax error/],
    ['SELECT nope FROM experiments', /SQL error: no such column: nope/],
  ];
  await Promise.all(refusals.map(([sql, pattern]) => refused(['sql', sql, '--db', db], pattern)));
  assert.equal(hash(), before, 'the log file is byte for byte the same');
  assert.ok(!fs.existsSync(path.join(path.dirname(db), 'other.db')), 'ATTACH created no file');
});

test('export: csv/tsv/json/jsonl of every column, autoresearch results.tsv, and --out', async () => {
  const rows = sessionRows(2);
  const [csv, tsv, json, jsonl] = await Promise.all([
    ok(['export', '--format', 'csv']),
    ok(['export', '--format', 'tsv']),
    ok(['export', '--format', 'json']),
    ok(['export', '--format', 'jsonl']),
  ]);
  const fromCsv = parseCsv(csv, { columns: true }) as Record<string, string>[];
  assert.equal(fromCsv.length, rows.length);
  assert.equal(fromCsv[1]!.diff, rows[1]!.diff, 'multi-line diffs survive CSV quoting');
  const tsvLines = tsv.trimEnd().split('\n');
  assert.equal(tsvLines.length, rows.length + 1, 'TSV escapes newlines: one line per row');
  assert.ok(tsvLines[0]!.split('\t').includes('tokens_in'));
  assert.deepEqual(JSON.parse(json), rows);
  assert.deepEqual(jsonLines(jsonl), rows);

  const results = (await ok(['export', '--format', 'autoresearch-tsv']))
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));
  assert.deepEqual(results[0], ['commit', 'val_bpb', 'memory_gb', 'status', 'description']);
  assert.match(results[1]!.join(' '), /^[0-9a-f]{7} 0\.119850 1\.3 keep baseline/);
  const byDescription = new Map(results.slice(1).map((r) => [r[4], r] as const));
  assert.deepEqual(byDescription.get('tweak lr: 0.03 -> 0.06')!.slice(1, 4), ['0.000000', '0.0', 'crash']);
  const kept = rows.filter((e) => e.decision === 'keep');
  for (const k of kept)
    assert.deepEqual(byDescription.get(String(k.description))!.slice(0, 4), [String(k.commit_sha).slice(0, 7), (k.metric as number).toFixed(6), '1.3', 'keep']);
  assert.equal(byDescription.get('ablate bias: true -> false')![3], 'discard');

  const out = path.join(tempDir(), 'log.csv');
  assert.equal(await ok(['export', '--format', 'csv', '--all', '--out', out]), '');
  assert.equal((parseCsv(fs.readFileSync(out), { columns: true }) as unknown[]).length, sessionRows(1).length + rows.length);
});

test('export --format patch: the kept changes, applied to the baseline, give the final workspace', async () => {
  const raw = new Database(db, { readonly: true });
  const session = raw.prepare('SELECT * FROM sessions WHERE id = 2').get() as { workspace: string; baseline_commit: string; head_commit: string };
  raw.close();
  const patch = await ok(['export', '--format', 'patch']);
  assert.equal((patch.match(/^Subject: \[PATCH \d\/2\]/gm) ?? []).length, 2);

  const clone = path.join(tempDir(), 'clone');
  const git = (...args: string[]) => execa('git', ['-C', clone, ...args]);
  await execa('git', ['clone', '-q', outsideGitDir(session.workspace), clone]);
  await git('checkout', '-q', session.baseline_commit);
  const file = path.join(tempDir(), 'kept.patch');
  fs.writeFileSync(file, patch);
  await git('apply', file);
  assert.equal((await git('diff', '--stat', session.head_commit)).stdout, '', 'git apply gives the head commit');
  await git('checkout', '-q', '.');
  await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'am', '-q', file);
  assert.equal((await git('rev-list', '--count', `${session.baseline_commit}..HEAD`)).stdout, '2', 'git am: one commit per kept change');
  assert.equal((await git('diff', '--stat', session.head_commit)).stdout, '');

  // Session 1 (the noise-aware rule): one patch per change it kept.
  const keptInOne = sessionRows(1).filter((e) => e.decision === 'keep').length;
  const first = await ok(['export', '--format', 'patch', '--session', '1']);
  assert.equal((first.match(/^Subject: \[PATCH /gm) ?? []).length, keptInOne);
});

test("report --format json: DESIGN.md's shape, effects and interaction with intervals, counts, false keeps", async () => {
  const report = JSON.parse(await ok(['report', '--session', '1', '--format', 'json'])) as Record<string, any>;
  for (const key of ['session', 'metric', 'goal', 'baseline', 'best', 'effects', 'interactions', 'experiments', 'expected_false_keeps'])
    assert.ok(key in report, key);
  assert.equal(report.session, 1);
  assert.equal(report.metric, 'val_loss');
  assert.equal(report.goal, 'minimize');
  const rows = sessionRows(1);
  // Session 1 keeps one change: "baseline" is its commit measured afresh, "start" the first commit's runs.
  const keptRow = rows.find((e) => e.decision === 'keep')!;
  const headRuns = (commit: unknown) =>
    rows.filter((e) => (e.kind === 'baseline' || e.kind === 'control') && e.base_commit === commit && e.status === 'done').map((e) => e.metric as number);
  const avg = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const startRuns = headRuns(rows[0]!.base_commit);
  const currentRuns = headRuns(keptRow.commit_sha);
  assert.deepEqual([report.start.n, report.baseline.n, report.baseline.experiment], [startRuns.length, currentRuns.length, keptRow.id]);
  assert.ok(Math.abs(report.start.mean - avg(startRuns)) < 1e-12);
  assert.ok(Math.abs(report.baseline.mean - avg(currentRuns)) < 1e-12);
  assert.equal(typeof report.baseline.sd, 'number');
  assert.equal(report.best.experiment, keptRow.id);
  assert.ok(Math.abs(report.best.delta - (report.best.mean - report.start.mean)) < 1e-12, 'the best is measured against the start');
  // One table per commit the ablations ran on: after the keep, bias is measured again on the new baseline.
  assert.deepEqual(
    report.effects.map((e: any) => [e.component, e.change, e.significant, e.base_commit]),
    [
      ['bias', 'true -> false', true, rows[0]!.base_commit],
      ['features', "'all' -> 'half'", true, rows[0]!.base_commit],
      ['bias', 'true -> false', true, keptRow.commit_sha],
    ],
  );
  for (const e of report.effects) {
    for (const k of ['delta', 'ci_low', 'ci_high', 'n']) assert.equal(typeof e[k], 'number', k);
    assert.ok(e.ci_low < e.delta && e.delta < e.ci_high);
  }
  assert.equal(report.interactions.length, 1);
  assert.deepEqual([report.interactions[0].a, report.interactions[0].b], ['bias', 'features']);
  for (const k of ['interaction', 'ci_low', 'ci_high']) assert.equal(typeof report.interactions[0][k], 'number');
  assert.equal(report.experiments.total, rows.length);
  assert.equal(report.experiments.crashed, rows.filter((e) => e.status === 'crashed').length);
  assert.equal(report.experiments.kept, 1);
  assert.equal(report.experiments.reverted, rows.filter((e) => e.decision === 'revert').length);
  const fk = report.expected_false_keeps;
  assert.equal(fk.rule, 'noise-aware');
  // Session 1: the decisions that got the two runs a final test needs at least (ablations, the
  // interaction) can each be a false keep with probability α at most; a tweak reverted after its screen cannot.
  const tested = rows.filter(
    (e) =>
      e.session_id === 1 &&
      (e.decision === 'keep' || e.decision === 'revert') &&
      e.status === 'done' &&
      Number(e.n_runs ?? 0) >= Math.max(2, Number(e.min_runs)),
  ).length;
  assert.ok(fk.decisions > 0 && tested > 0);
  assert.ok(Math.abs(fk.value - 0.05 * tested) < 1e-9, `expected false keeps ${fk.value} for ${tested} tested decisions`);
  assert.match(fk.note, new RegExp(`${tested} of ${fk.decisions} decisions that got the runs a final test needs`));
  assert.equal(report.floor, 0.09);
  assert.equal(report.chart, null, 'json writes no chart unless asked');

  const latest = JSON.parse(await ok(['report', '--format', 'json'])) as Record<string, any>;
  assert.equal(latest.session, 2);
  assert.equal(latest.experiments.kept, 2);
  assert.equal(
    latest.best.experiment,
    sessionRows(2)
      .filter((e) => e.decision === 'keep')
      .at(-1)!.id,
  );
  assert.equal(latest.expected_false_keeps.value, null, 'the test rule has no false-keep model');
});

test('report --out: Markdown with the chart beside it as valid SVG and PNG', async () => {
  const out = path.join(dir, 'reports', 'night.md');
  fs.mkdirSync(path.dirname(out));
  assert.equal(await ok(['report', '--session', '2', '--out', out]), '');
  const md = fs.readFileSync(out, 'utf8');
  for (const heading of ['# nightshift session 2', '## Summary', '## Kept changes', '## Effects of components', '## Interactions', '## Drift'])
    assert.ok(md.includes(heading), heading);
  assert.ok(md.includes('![progress: val_loss of every run, kept changes in green, running best as a step line](night-progress.png)'));
  assert.match(md, /\| \d+ \| tweak lr: 0\.03 -> 0\.015 \|/);

  const svgText = fs.readFileSync(path.join(dir, 'reports', 'night-progress.svg'), 'utf8');
  assert.equal(XMLValidator.validate(svgText), true, 'well-formed XML');
  const svg = new XMLParser({ ignoreAttributes: false }).parse(svgText).svg;
  assert.equal(svg['@_xmlns'], 'http://www.w3.org/2000/svg');
  assert.ok(svgText.includes('experiment #') && svgText.includes('val_loss') && svgText.includes('running best') && svgText.includes('floor 0.09'));
  assert.ok(svgText.includes('tweak lr: 0.03 -&gt; 0.015'), 'kept changes are labelled');

  const png = fs.readFileSync(path.join(dir, 'reports', 'night-progress.png'));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1800, 990]);

  // Without --out the chart goes to the session's folder beside the log; --chart puts it anywhere.
  const stdoutMd = await ok(['report']);
  assert.ok(fs.existsSync(path.join(dir, '.nightshift', 'log', 'session-2', 'progress.svg')));
  assert.match(stdoutMd, /\.nightshift\/log\/session-2\/progress\.png\)/);
  const chart = path.join(tempDir(), 'c.svg');
  const json = JSON.parse(await ok(['report', '--format', 'json', '--chart', chart])) as { chart: { svg: string; png: string } };
  assert.deepEqual(json.chart, { svg: chart, png: chart.replace(/svg$/, 'png') });
});

test('bad input: one line and a non-zero exit, and no file is created', async () => {
  const missing = path.join(tempDir(), 'missing.db');
  const text = path.join(tempDir(), 'notes.db');
  fs.writeFileSync(text, 'these are notes, not a database\n');
  await Promise.all([
    refused(['show', '999', '--db', db], /no experiment 999 in the log \(ids go up to \d+\)/),
    refused(['show', 'abc', '--db', db], /an experiment id is a whole number/),
    refused(['log', '--session', '9', '--db', db], /no session 9 in .* \(sessions 1–2\)/),
    refused(['report', '--session', '9', '--db', db], /no session 9/),
    refused(['export', '--format', 'csv', '--session', '9', '--db', db], /no session 9/),
    refused(['log', '--session', '1', '--all', '--db', db], /give --session or --all, not both/),
    refused(['log', '--db', missing], /no log at .*missing\.db/),
    refused(['sql', 'SELECT 1', '--db', missing], /no log at/),
    refused(['report', '--db', missing], /no log at/),
    refused(['log', '--db', text], /is not an SQLite database/),
    refused(['report', '--db', text], /is not an SQLite database/),
    refused(['log', '--since', 'yesterday', '--db', db], /--since must be a duration like 30m/),
    refused(['log', '--status', 'exploded', '--db', db], /--status takes .*got 'exploded'/),
    refused(['log', '--format', 'xml', '--db', db], /--format must be one of table, tsv, csv, json, jsonl/),
    refused(['export', '--db', db], /--format must be one of/),
    refused(['export', '--format', 'patch', '--all', '--db', db], /about one session/),
    refused(['report', '--out', path.join(dir, 'no-such-dir', 'r.md'), '--db', db], /cannot write .*r\.md: no such directory/),
    refused(['log', '--out', dir, '--db', db], /cannot write .*: it is a directory/),
    refused(['export', '--format', 'csv', '--out', path.join(text, 'x.csv'), '--db', db], /cannot write .*x\.csv: a part of the path is not a directory/),
  ]);
  assert.ok(!fs.existsSync(missing), 'no DB file was created');
  assert.equal(fs.readFileSync(text, 'utf8'), 'these are notes, not a database\n');
});

test('on a terminal: an aligned table cut to its width, and colour', async () => {
  // 110: the fixed columns (peak memory among them) take 99, and the description at least its heading.
  const table = await ok(['log', '--session', '1'], { columns: 110 });
  const plain = table.replace(/\x1b\[[0-9;]*m/g, '');
  assert.match(plain, /^id\s+kind\s+status/);
  assert.ok(
    plain.split('\n').every((l) => l.length <= 110),
    'no line is wider than the terminal',
  );
  assert.match(plain, /…/, 'long descriptions are cut');
  assert.match(table, /\x1b\[31mcrashed/, 'failed runs in red');
  const show = await ok(['show', String(sessionRows(2).find((e) => e.decision === 'keep')!.id)], { columns: 100 });
  assert.match(show, /\x1b\[32m\+ {2}lr: 0\.015,/, 'added lines in green');
  assert.match(show, /\x1b\[31m- {2}lr: 0\.03,/, 'removed lines in red');
});

test('the binary: TSV when piped, a note on stderr, and bad input as one line on stderr with exit 2', async () => {
  const missing = path.join(tempDir(), 'missing.db');
  const [piped, emptyPatch, ...bad] = await Promise.all([
    nightshift(['log', '--db', db]),
    // A session that kept nothing: its baseline runs only.
    runLoop(options(fastSandbox(), { maxExperiments: null, maxRuns: 2 })).then((r) => nightshift(['export', '--format', 'patch', '--db', r.db])),
    ...[
      ['show', '999', '--db', db],
      ['sql', 'DELETE FROM metrics', '--db', db],
      ['log', '--db', missing],
    ].map((args) => nightshift(args)),
  ]);
  assert.equal(piped.exitCode, 0);
  assert.match(String(piped.stdout), /^id\tkind\tstatus\t/);
  assert.equal(emptyPatch.exitCode, 0);
  assert.equal(String(emptyPatch.stdout), '');
  assert.match(String(emptyPatch.stderr), /session 1 kept no change; the patch is empty/);
  for (const r of bad) {
    assert.equal(r.exitCode, 2);
    assert.equal(String(r.stderr).trim().split('\n').length, 1);
    assert.match(String(r.stderr), /^nightshift: (no experiment 999|refused: DELETE|no log at)/);
  }
  assert.ok(!fs.existsSync(missing));
});
