/**
 * What bubblewrap isolation adds to the start of every run: the median wall time of an instant
 * command (`true`, through `/bin/sh -c` as the runner starts scripts) with and without
 * isolation, over 50 runs each (interleaved, so a change in the machine's load hits both), and the
 * median time to compute the view itself (stat calls and the credential search), which the
 * agent pays once per run too.
 *
 *   npx tsx bench/isolation-startup.ts [--runs 50]
 *
 * The machine is often shared: the load average before and after is printed with the figures.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bwrapArgs } from '../agent/runner/isolation/bwrap-args.ts';
import { probeBwrap } from '../agent/runner/isolation/probe.ts';
import { isolationView } from '../agent/runner/isolation/view.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '50' } } });
const runs = Number(flags.runs);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${x.toFixed(2)} ms`;

console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}, load ${load()}`);
const probe = await probeBwrap();
if (!probe.usable) {
  console.log(`bubblewrap is not usable here (${probe.reason}); nothing to measure`);
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-isolation-bench-'));
const workspace = path.join(dir, 'ws');
const outDir = path.join(dir, 'out');
fs.mkdirSync(workspace);
fs.mkdirSync(outDir);
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function run(file: string, args: string[]) {
  const result = spawnSync(file, args, { cwd: workspace, env, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${file} exited with ${result.status}`);
}

const view = isolationView(workspace, outDir, env.PATH, undefined);
const isolated = bwrapArgs({ ...view, workspace, env, command: 'true' });
const plain: number[] = [];
const wrapped: number[] = [];
const viewing: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    plain.push(timed(() => run('/bin/sh', ['-c', 'true'])));
    wrapped.push(timed(() => run('bwrap', isolated)));
    viewing.push(timed(() => isolationView(workspace, outDir, env.PATH, undefined)));
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const mounts = isolated.filter((a) => a.startsWith('--') && /bind|tmpfs|symlink|proc|dev$/.test(a)).length;
console.log(
  `view: ${view.readonly.length} read-only paths, ${view.symlinks.length} links, ${view.masked.length + view.emptied.length} masks (${mounts} mount steps)`,
);
console.log(`median over ${runs} runs of \`true\`:`);
console.log(`  without bubblewrap  ${ms(median(plain))}`);
console.log(`  with bubblewrap     ${ms(median(wrapped))}   (+${ms(median(wrapped) - median(plain))} per run)`);
console.log(`  computing the view  ${ms(median(viewing))}`);
console.log(`load after: ${load()}`);
