/**
 * `report --format html` on big sessions: the time to make the page and its size, for a session
 * of 1,000 experiments and one of 100,000 (synthetic logs from bench/synthetic-log.ts, built once
 * under bench/out/ and reused). Prints the median in-process time (output written to a file), the
 * page's size and what it holds, and the CLI end to end (node + tsx start-up included).
 *
 *   npx tsx bench/report-html.ts [--rebuild]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { reportCommand } from '../agent/cli/commands/report.ts';
import type { Stdout } from '../agent/query/output.ts';
import { openLogReadOnly } from '../agent/store/db.ts';
import { buildSyntheticLog } from './synthetic-log.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(REPO, 'bench', 'out');
// One session each: the page is per session, so its whole size is one session's. 20 steps per run
// keep the 100,000-run build to a minute; the page reads step metrics only for the kept changes' curves.
const LOGS = [
  { name: 'report-html-1k.db', experiments: 1_000 },
  { name: 'report-html-100k.db', experiments: 100_000 },
];
const STEPS = 20;
const nullStdout = { write: () => true, isTTY: false, columns: 0, on: () => nullStdout } as unknown as Stdout;

fs.mkdirSync(OUT, { recursive: true });
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

function experimentsIn(file: string): number | null {
  if (!fs.existsSync(file)) return null;
  const db = openLogReadOnly(file);
  try {
    return (db.prepare('SELECT count(*) AS n FROM experiments').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

for (const log of LOGS) {
  const db = path.join(OUT, log.name);
  if (process.argv.includes('--rebuild') || experimentsIn(db) !== log.experiments) {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
    const built = buildSyntheticLog(db, { sessions: [log.experiments], stepsPerRun: STEPS });
    console.log(
      `built ${path.relative(REPO, db)}: ${built.experiments.toLocaleString('en-US')} experiments, ${built.metrics.toLocaleString('en-US')} step metrics in ${(built.experimentsS + built.metricsS).toFixed(1)} s`,
    );
  }
  const page = path.join(OUT, log.name.replace(/\.db$/, '.html'));
  const run = () => reportCommand(['--db', db, '--format', 'html', '--out', page], nullStdout);
  await run();
  // CPU time beside wall time: on a shared machine the wall clock also counts other work's turns.
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const used = process.cpuUsage();
    await run();
    times.push(performance.now() - started);
    const { user, system } = process.cpuUsage(used);
    cpu.push((user + system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const html = fs.readFileSync(page, 'utf8');
  const count = (re: RegExp) => html.match(re)?.length ?? 0;
  console.log(`\n${log.experiments.toLocaleString('en-US')} experiments (one session):`);
  console.log(`  report --format html, in-process, median of 3 after a warm-up: ${times[1]!.toFixed(0)} ms (CPU ${cpu[1]!.toFixed(0)} ms)`);
  // Bytes on disk, not UTF-16 code units: the page has Δ, ±, → and the log's own text.
  const bytes = fs.statSync(page).size;
  console.log(`  page: ${(bytes / 1024).toFixed(0)} KiB (${bytes.toLocaleString('en-US')} bytes)`);
  console.log(
    `  holds: ${count(/<tr data-decision=/g)} change rows, ${count(/<tr data-kept=/g)} kept rows, ${count(/<figure data-curves=/g)} curve charts, ${count(/<circle /g)} chart marks${html.includes('runs drawn') ? ` (${html.match(/(\d+) of (\d+) runs drawn/)![0]})` : ''}`,
  );
  const started = performance.now();
  await execa(process.execPath, ['--import', 'tsx', path.join(REPO, 'agent', 'cli', 'main.ts'), 'report', '--db', db, '--format', 'html', '--out', page], {
    cwd: REPO,
  });
  console.log(`  nightshift report --format html, the CLI end to end: ${(performance.now() - started).toFixed(0)} ms`);
}
