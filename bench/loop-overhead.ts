/**
 * The loop's own overhead per experiment: wall time that is not the training process
 * (propose, apply, commit/reset, spawn, parse, DB), as a median over N experiments of a
 * training command that exits at once. Goal: well under 1% of a 300 s budget (3 s).
 *
 *   npx tsx bench/loop-overhead.ts [N=50]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sessionOptions } from '../agent/loop/options.ts';
import { Planner } from '../agent/proposers/planner.ts';
import { benchSession } from './lib/session.ts';

const n = Number(process.argv[2] ?? 50);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-bench-'));
const sandbox = path.join(dir, 'sandbox');
fs.mkdirSync(sandbox);
// The "training" is one shell builtin: what remains of each experiment's wall time is the loop's.
fs.writeFileSync(
  path.join(sandbox, 'nightshift.json'),
  JSON.stringify({ command: 'echo "@ns {\\"final\\":true,\\"val_loss\\":1.$NIGHTSHIFT_SEED}"', metric: 'val_loss', goal: 'minimize', editable: ['config.ts'] }),
);
const knobs = Array.from({ length: 20 }, (_, i) => `  k${i}: 1, // @knob 1 2 3 4 5 6 7 8`).join('\n');
fs.writeFileSync(path.join(sandbox, 'config.ts'), `export const config = {\n  on: true, // @ablate false\n${knobs}\n};\n`);

const dbPath = path.join(dir, 'bench.db');
const { db, experiments, opened, loop } = await benchSession(
  dbPath,
  sessionOptions(sandbox, { maxRuns: n + 3 }),
  () => new Planner({ ablationRuns: 3, interactionTop: 3 }),
);
const started = performance.now();
await loop.run();
const totalS = (performance.now() - started) / 1000;
const rows = experiments.forSession(opened.session.id).filter((e) => e.ended_at && e.run_s !== null);

// Per experiment: time since the previous run ended, less its own process time.
const overheads: number[] = [];
const runs: number[] = [];
for (let i = 1; i < rows.length; i++) {
  const wall = (Date.parse(rows[i]!.ended_at!) - Date.parse(rows[i - 1]!.ended_at!)) / 1000;
  overheads.push(wall - rows[i]!.run_s!);
  runs.push(rows[i]!.run_s!);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, isolation ${opened.isolation.bwrap ? 'bwrap' : 'none'}`);
console.log(`experiments: ${rows.length} in ${totalS.toFixed(2)} s (${rows.filter((e) => e.kind === 'confirm').length} confirmations)`);
console.log(
  `loop overhead per experiment (median): ${ms(median(overheads))}  (p90 ${ms([...overheads].sort((a, b) => a - b)[Math.floor(overheads.length * 0.9)]!)})`,
);
console.log(`training process wall, spawn to exit (median): ${ms(median(runs))}`);
console.log(`overhead as a share of a 300 s budget: ${((median(overheads) / 300) * 100).toFixed(4)}%`);
db.close();
fs.rmSync(dir, { recursive: true, force: true });
