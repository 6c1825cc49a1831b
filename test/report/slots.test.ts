import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { execa } from 'execa';
import { reportCommand } from '../../agent/cli/commands/report.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { tempDir } from '../helpers.ts';
import { storeLog } from '../store-log.ts';

/**
 * `report` on a log written through the real stores: session 1 ran four slots on Slurm (GPUs on
 * two nodes, one job still pending when the agent last wrote), session 2 one run at a time.
 * The runs' times are set in the log, so the busy share is known exactly.
 */
const dir = tempDir('nightshift-slots-report-');
const db = path.join(dir, 'log.db');
const T = Date.parse('2025-03-01T00:00:00.000Z');
const iso = (s: number) => new Date(T + s * 1000).toISOString();

before(() => {
  const { db: sqlite, experiments, sessions, session: open, baseline } = storeLog(db);
  /** A run of `session` held its slot from `from` to `to` seconds (to null: still in flight), on `place`. */
  const run = (session: number, seed: number, from: number, to: number | null, place?: { node: string; gpus: string[] }) => {
    const id = baseline(session, seed);
    experiments.started(id, `/${id}.log`);
    if (to !== null)
      experiments.finished(id, {
        status: 'done',
        metric: 1 + seed / 100,
        final_json: null,
        backend: 'js',
        exit_code: 0,
        signal: null,
        run_s: to - from,
        reason: null,
      });
    if (place) experiments.placed(id, { ...place, gpuModel: 'NVIDIA H200' });
    sqlite.prepare('UPDATE experiments SET started_at = ?, ended_at = ? WHERE id = ?').run(iso(from), to === null ? null : iso(to), id);
  };
  const slurm = open({ budgetS: 300, executor: { kind: 'slurm', parallel: 4, gpus: null, gpusPerRun: 1, allowMixedGpus: false, slurmArgs: '-p gpu' } });
  run(slurm, 1, 0, 300, { node: 'node1', gpus: ['0'] });
  run(slurm, 2, 0, 300, { node: 'node1', gpus: ['1'] });
  run(slurm, 3, 0, 300, { node: 'node2', gpus: ['0'] });
  run(slurm, 4, 300, 600, { node: 'node1', gpus: ['0'] });
  run(slurm, 5, 500, null);
  // The agent's last heartbeat, 800 s in: the report's end while the session runs.
  sqlite.prepare('UPDATE sessions SET started_at = ?, heartbeat_at = ? WHERE id = ?').run(iso(0), iso(800), slurm);
  const sequential = open({ budgetS: 300 });
  run(sequential, 1, 0, 300);
  sessions.end(sequential, 'finished', 'done');
  sqlite.close();
});

async function report(args: string[]): Promise<string> {
  let text = '';
  const stdout = { write: (s: string) => ((text += s), true), isTTY: false, columns: 0, on: () => stdout } as unknown as Stdout;
  assert.equal(await reportCommand([...args, '--db', db], stdout), 0);
  return text;
}

// Four runs of 300 s done, and the pending job's 300 s up to the heartbeat, in 4 slots × 800 s.
const BUSY = 300 * 4 + 300;
const UTILISATION = BUSY / (4 * 800);

test('json: the slots, the runs in flight, where the runs went and the busy share; null for one run at a time', async () => {
  const r = JSON.parse(await report(['--session', '1', '--format', 'json']));
  assert.equal(r.slots.count, 4);
  assert.equal(r.slots.executor, 'slurm');
  assert.equal(r.slots.busy_s, BUSY);
  assert.equal(r.slots.wall_s, 800);
  assert.equal(r.slots.utilisation, UTILISATION);
  assert.deepEqual(
    r.slots.in_flight.map((x: { experiment: number; state: string }) => [x.experiment, x.state]),
    [[5, 'waiting']],
  );
  assert.deepEqual(
    r.slots.places.map((p: { node: string; gpus: string[]; runs: number; busy_s: number; gpu_model: string }) => [
      p.node,
      p.gpus,
      p.runs,
      p.busy_s,
      p.gpu_model,
    ]),
    [
      ['node1', ['0'], 2, 600, 'NVIDIA H200'],
      ['node1', ['1'], 1, 300, 'NVIDIA H200'],
      ['node2', ['0'], 1, 300, 'NVIDIA H200'],
    ],
  );
  assert.equal(JSON.parse(await report(['--session', '2', '--format', 'json'])).slots, null);
});

test('md: a Slots section with the busy share, a table of places and the runs in flight; none for one run at a time', async () => {
  const md = await report(['--session', '1', '--format', 'md', '--out', path.join(dir, 'r1.md')]).then(() => fs.readFileSync(path.join(dir, 'r1.md'), 'utf8'));
  const section = md.slice(md.indexOf('## Slots'));
  assert.match(section, /^## Slots\n\n4 slots \(slurm\), 47% busy over the session: 25 min of runs in 13 min × 4\.\n/);
  assert.match(section, /\| node1 GPU 0 \| NVIDIA H200 \| 2 \| 10 min \| 75% \|/);
  assert.match(section, /\| node2 GPU 0 \| NVIDIA H200 \| 1 \| 5 min \| 38% \|/);
  assert.match(section, /In flight: #5 baseline pending in Slurm\./);
  await report(['--session', '2', '--out', path.join(dir, 'r2.md')]);
  assert.doesNotMatch(fs.readFileSync(path.join(dir, 'r2.md'), 'utf8'), /Slots|busy over/);
});

const chromium = ['chromium', 'chromium-browser']
  .flatMap((name) => (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, name)))
  .find((p) => fs.existsSync(p));
const skip = chromium === undefined ? 'Chromium is not installed (apt-get install chromium; .ci/run does)' : false;

test('html: in headless Chromium the Slots section reads as the log says; a session run one at a time has none', { skip }, async () => {
  const file = path.join(dir, 'r1.html');
  await report(['--session', '1', '--out', file]);
  const profile = fs.mkdtempSync(path.join(dir, 'profile-'));
  const { stdout: dom } = await execa(
    chromium!,
    ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`],
    {
      timeout: 60_000,
    },
  );
  const section = dom.match(/<section id="slots">.*?<\/section>/s)?.[0] ?? '';
  assert.match(section, /<h2>Slots<\/h2>/);
  assert.equal(Number(section.match(/data-utilisation="([^"]+)"/)?.[1]), UTILISATION);
  assert.deepEqual(
    [...section.matchAll(/<tr data-place="([^"]+)"><td>[^<]+<\/td><td>[^<]+<\/td><td>(\d+)<\/td>/g)].map((m) => `${m[1]}: ${m[2]}`),
    ['node1 GPU 0: 2', 'node1 GPU 1: 1', 'node2 GPU 0: 1'],
  );
  assert.match(section, /In flight: #5 baseline pending in Slurm\./);
  await report(['--session', '2', '--out', path.join(dir, 'r2.html')]);
  assert.doesNotMatch(fs.readFileSync(path.join(dir, 'r2.html'), 'utf8'), /id="slots"/);
});
