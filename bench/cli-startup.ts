/**
 * Start-up of the installed binary (bin/nightshift.js on dist/): `--help`, `log` and
 * `log --format tsv` on a small log (50 experiments), each run 10 times after one warm-up, as
 * the median and fastest wall time and the median CPU time (user + system, from /proc: steadier
 * than wall time on a shared machine). For comparison: bare `node`, and the same commands through
 * the tsx loader on the sources (as `npm start` runs them). Rebuilds dist/ first when a source
 * is newer.
 *
 *   npx tsx bench/cli-startup.ts [RUNS]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSyntheticLog } from './synthetic-log.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(REPO, 'bench', 'out');
const DB = path.join(OUT, 'cli-startup.db');
const RUNS = Number(process.argv[2] ?? 10);
const TICK_MS = 1000 / 100; // /proc times are in clock ticks: USER_HZ is 100 on Linux

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}, load ${load()}`);

function newestMtime(dir: string): number {
  return Math.max(
    ...fs.readdirSync(dir, { withFileTypes: true }).map((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
    }),
  );
}
const main = path.join(REPO, 'dist', 'cli', 'main.js');
if (!fs.existsSync(main) || fs.statSync(main).mtimeMs < newestMtime(path.join(REPO, 'agent'))) {
  console.log('building dist/ (a source is newer)');
  const built = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('the build failed');
}

fs.mkdirSync(OUT, { recursive: true });
// Built afresh (in milliseconds) so that it has the current schema.
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(DB + suffix, { force: true });
buildSyntheticLog(DB, { sessions: [50], stepsPerRun: 10 });

/** CPU time (user + system) of this process's waited-for children so far, in ms. */
function childrenCpuMs(): number {
  // Fields after the command name (which may hold spaces) start at state, field 3; cutime and cstime are 16 and 17.
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function time(args: string[]): { wall: number; fastest: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const cpu0 = childrenCpuMs();
    const t0 = performance.now();
    const result = spawnSync(process.execPath, args, { cwd: OUT, stdio: ['ignore', 'pipe', 'pipe'] });
    const wall = performance.now() - t0;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    if (i === 0) continue; // the warm-up: the page cache, not start-up
    walls.push(wall);
    cpus.push(childrenCpuMs() - cpu0);
  }
  return { wall: median(walls), fastest: Math.min(...walls), cpu: median(cpus) };
}

const BIN = path.join(REPO, 'bin', 'nightshift.js');
const SOURCES = ['--import', 'tsx', path.join(REPO, 'agent', 'cli', 'main.ts')];
const cases: [string, string[]][] = [
  ['node -e 0 (the floor)', ['-e', '0']],
  ['nightshift --help', [BIN, '--help']],
  ['nightshift log', [BIN, 'log', '--db', DB, '--format', 'table']],
  ['nightshift log --format tsv', [BIN, 'log', '--db', DB, '--format', 'tsv']],
  ['tsx on the sources: --help', [...SOURCES, '--help']],
  ['tsx on the sources: log', [...SOURCES, 'log', '--db', DB, '--format', 'table']],
];

console.log(`\n${RUNS} runs each after a warm-up, ms     median wall   fastest wall   median CPU`);
for (const [name, args] of cases) {
  const t = time(args);
  console.log(`${name.padEnd(38)} ${t.wall.toFixed(0).padStart(11)} ${t.fastest.toFixed(0).padStart(14)} ${t.cpu.toFixed(0).padStart(12)}`);
}
console.log(`load at the end: ${load()}`);
