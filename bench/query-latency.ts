/**
 * Latency of the query commands on a big log: 100,000 experiments and 10,000,000 step metrics
 * (90 sessions of 1,000 experiments and a latest one of 10,000), built once under bench/out/
 * and reused. Prints the build's insert rates, the loop's own MetricsWriter rate, then the
 * median in-process time of each command (output to a null stream) and the end-to-end time of
 * the CLI for `log` and `report` (node + tsx start-up included).
 *
 *   npx tsx bench/query-latency.ts [--rebuild]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { exportCommand } from '../agent/cli/commands/export.ts';
import { logCommand } from '../agent/cli/commands/log.ts';
import { reportCommand } from '../agent/cli/commands/report.ts';
import { showCommand } from '../agent/cli/commands/show.ts';
import { sqlCommand } from '../agent/cli/commands/sql.ts';
import type { Stdout } from '../agent/query/output.ts';
import { openLogForWriting, openLogReadOnly } from '../agent/store/db.ts';
import { MetricsWriter } from '../agent/store/metrics.ts';
import { buildSyntheticLog } from './synthetic-log.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(REPO, 'bench', 'out');
const DB = path.join(OUT, 'query-latency.db');
const SHAPE = { sessions: [...Array<number>(90).fill(1000), 10_000], stepsPerRun: 50 };
const EXPECTED = { experiments: 100_000, metrics: 100_000 * 2 * SHAPE.stepsPerRun };
const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en-US')}/s`;

fs.mkdirSync(OUT, { recursive: true });
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

function counts(): { experiments: number; metrics: number } | null {
  if (!fs.existsSync(DB)) return null;
  try {
    openLogForWriting(DB).close(); // brings a log built by an older nightshift to the current schema
    const db = openLogReadOnly(DB);
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const result = { experiments: n('SELECT count(*) AS n FROM experiments'), metrics: n('SELECT count(*) AS n FROM metrics') };
    db.close();
    return result;
  } catch {
    return null; // an older schema or a broken file: rebuild
  }
}

const existing = process.argv.includes('--rebuild') ? null : counts();
if (existing?.experiments === EXPECTED.experiments && existing.metrics === EXPECTED.metrics) {
  console.log(`reusing ${path.relative(REPO, DB)} (${fs.statSync(DB).size >> 20} MiB); --rebuild to build it again`);
} else {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(DB + suffix, { force: true });
  const figures = buildSyntheticLog(DB, SHAPE);
  console.log(`built ${path.relative(REPO, DB)} (${fs.statSync(DB).size >> 20} MiB):`);
  console.log(
    `  ${figures.experiments.toLocaleString('en-US')} experiments in ${figures.experimentsS.toFixed(1)} s (${rate(figures.experiments, figures.experimentsS)})`,
  );
  console.log(
    `  ${figures.metrics.toLocaleString('en-US')} step metrics in ${figures.metricsS.toFixed(1)} s (${rate(figures.metrics, figures.metricsS)}), one transaction, journal off`,
  );
}

// The loop's own path for step metrics: MetricsWriter batches on a WAL log with synchronous=NORMAL.
{
  const file = path.join(OUT, 'metrics-writer.db');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  const db = openLogForWriting(file);
  db.prepare(`INSERT INTO sessions (id, status, started_at, sandbox, workspace, command, metric, goal, proposer, decision_rule, budget_s, options_json, readonly_json)
              VALUES (1, 'running', '', '', '', '', 'm', 'minimize', 'planner', 'noise-aware', 1, '{}', '{}')`).run();
  db.prepare(
    `INSERT INTO experiments (id, session_id, kind, status, description, seed, base_commit, proposer, created_at) VALUES (1, 1, 'baseline', 'running', '', 1, '', '', '')`,
  ).run();
  const writer = new MetricsWriter(db);
  const steps = 250_000;
  const started = performance.now();
  for (let step = 0; step < steps; step++) writer.add(1, { step, elapsed_s: step / 100, values: { train_loss: 2 - step / steps, tokens_per_s: 50_000 } });
  writer.flush();
  const s = (performance.now() - started) / 1000;
  console.log(
    `MetricsWriter (the loop's path, WAL, batches of 500 lines): ${(steps * 2).toLocaleString('en-US')} step metrics in ${s.toFixed(2)} s (${rate(steps * 2, s)})`,
  );
  db.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

const nullStdout = { write: () => true, isTTY: false, columns: 0, on: () => nullStdout } as unknown as Stdout;
const latestFirst = 90 * 1000 + 1;
const since = new Date(Date.parse('2025-01-01T00:00:00Z') + 99_000 * 300_000).toISOString();
const cases: [string, () => Promise<number>][] = [
  ['log (latest session: 10,000 rows)', () => logCommand(['--db', DB], nullStdout)],
  ['log --session 1 (1,000 rows)', () => logCommand(['--db', DB, '--session', '1'], nullStdout)],
  ['log --all (100,000 rows)', () => logCommand(['--db', DB, '--all'], nullStdout)],
  ['log --all --format json (100,000 rows)', () => logCommand(['--db', DB, '--all', '--format', 'json'], nullStdout)],
  ['log --all --kept', () => logCommand(['--db', DB, '--all', '--kept'], nullStdout)],
  ['log --all --status crashed', () => logCommand(['--db', DB, '--all', '--status', 'crashed'], nullStdout)],
  ['log --all --since <last 1,000>', () => logCommand(['--db', DB, '--all', '--since', since], nullStdout)],
  ['log --all --sort best --limit 20', () => logCommand(['--db', DB, '--all', '--sort', 'best', '--limit', '20'], nullStdout)],
  ['report --format json (latest: 10,000)', () => reportCommand(['--db', DB, '--format', 'json'], nullStdout)],
  ['report md + SVG/PNG chart (latest: 10,000)', () => reportCommand(['--db', DB, '--out', path.join(OUT, 'report.md')], nullStdout)],
  ['report --session 1 --format json (1,000)', () => reportCommand(['--db', DB, '--session', '1', '--format', 'json'], nullStdout)],
  [`show ${latestFirst + 500} (100 step metrics)`, () => showCommand([String(latestFirst + 500), '--db', DB], nullStdout)],
  ['sql crash rate by kind (100,000 rows)', () => sqlCommand(["SELECT kind, avg(status = 'crashed') FROM experiments GROUP BY kind", '--db', DB], nullStdout)],
  ['export --format autoresearch-tsv (latest)', () => exportCommand(['--db', DB, '--format', 'autoresearch-tsv'], nullStdout)],
];

console.log('\nin-process, median of 5 after one warm-up:');
for (const [name, run] of cases) {
  await run();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`  ${name.padEnd(46)} ${times[2]!.toFixed(1).padStart(8)} ms`);
}

console.log('\nthe CLI end to end (one run each; node + tsx start-up included):');
for (const args of [['log'], ['report', '--format', 'json']]) {
  const started = performance.now();
  const result = await execa(process.execPath, ['--import', 'tsx', path.join(REPO, 'agent', 'cli', 'main.ts'), ...args, '--db', DB], { cwd: REPO });
  const ms = performance.now() - started;
  console.log(`${`  nightshift ${args.join(' ')}`.padEnd(48)}${ms.toFixed(0).padStart(9)} ms (${result.stdout.length.toLocaleString('en-US')} bytes out)`);
}
const tsxOnly = performance.now();
await execa(process.execPath, ['--import', 'tsx', '-e', '0']);
console.log(`  (node + tsx start-up alone: ${(performance.now() - tsxOnly).toFixed(0)} ms)`);
