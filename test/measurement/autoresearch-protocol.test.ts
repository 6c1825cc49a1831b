/**
 * `"protocol": "autoresearch"`: a script that prints autoresearch's summary block and no `@ns`
 * line (test/fixtures/sandboxes/autoresearch, a stand-in for its train.py) runs unchanged through
 * the real loop and through an executor; its metric, facts and peak memory come from the block;
 * `log`, `show` and `export --format autoresearch-tsv` carry them; a copy that seeds with a
 * constant, as autoresearch's train.py does, is found out and told once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exportCommand } from '../../agent/cli/commands/export.ts';
import { logCommand } from '../../agent/cli/commands/log.ts';
import { showCommand } from '../../agent/cli/commands/show.ts';
import { LocalExecutor } from '../../agent/executors/local.ts';
import { SlotPool } from '../../agent/executors/gpu-pool.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { headlessLine } from '../../agent/ui/headless.ts';
import { fastSandbox, REPO } from '../helpers.ts';
import { options, runLoop } from '../loop/harness.ts';
import { executorSession } from './executor-harness.ts';

const AUTORESEARCH = path.join(REPO, 'test', 'fixtures', 'sandboxes', 'autoresearch');
const sandbox = (replace: Record<string, string> = {}) => fastSandbox(replace, AUTORESEARCH);

/** What a query command prints to a pipe (or a terminal, for the aligned table). */
async function printed(command: (argv: string[], stdout: Stdout) => Promise<number>, argv: string[], isTTY = false): Promise<string> {
  let text = '';
  const stdout = { write: (chunk: string) => ((text += chunk), true), isTTY, columns: 200, on: () => stdout } as unknown as Stdout;
  assert.equal(await command(argv, stdout), 0);
  return text;
}

test('an autoresearch script runs as it is: metric, facts and memory from its block, in log, show and a results.tsv like its own', async () => {
  const { db, rows, session } = await runLoop(options(sandbox(), { maxExperiments: 3, baselineRuns: 2, ablationRuns: 1 }));
  const byDescription = new Map(rows.map((r) => [r.description, r] as const));
  const [first, second] = rows.filter((r) => r.kind === 'baseline');
  // The fixture's val_bpb is 1 - 0.001 depth (+0.02 without warmdown) + 0.0001 seed.
  assert.deepEqual(
    [first, second].map((r) => [r!.status, r!.seed, r!.metric]),
    [
      ['done', 1, 0.9921],
      ['done', 2, 0.9922],
    ],
  );
  const facts = JSON.parse(first!.final_json!);
  assert.deepEqual([facts.steps, facts.params, facts.depth, facts.peak_vram_mb, facts.tokens], [40, 50_400_000, 8, 8000.5, 500_000]);
  assert.equal(first!.peak_mem_mb, 8000.5);
  const crash = byDescription.get('tweak depth: 8 -> 12')!;
  assert.equal(crash.status, 'crashed');
  assert.match(crash.reason!, /without a final line: torch\.OutOfMemoryError/);
  assert.equal(crash.peak_mem_mb, null);

  // results.tsv as autoresearch's program.md has the agent write it, by hand from the numbers above.
  const base = session.baseline_commit!.slice(0, 7);
  const expected = [
    'commit\tval_bpb\tmemory_gb\tstatus\tdescription',
    `${base}\t0.992150\t7.8\tkeep\tbaseline (mean of 2 of 2 runs)`,
    '\t1.012100\t7.8\tdiscard\tablate warmdown: true -> false',
    '\t0.000000\t0.0\tcrash\ttweak depth: 8 -> 12',
    '\t0.996100\t3.9\tdiscard\ttweak depth: 8 -> 4',
  ];
  assert.equal(await printed(exportCommand, ['--format', 'autoresearch-tsv', '--db', db]), `${expected.join('\n')}\n`);

  const log = (await printed(logCommand, ['--db', db])).trimEnd().split('\n');
  const memory = log[0]!.split('\t').indexOf('peak_mem_mb');
  assert.ok(memory > 0, log[0]);
  assert.deepEqual(
    log.slice(1).map((l) => l.split('\t')[memory]),
    rows.map((r) => (r.peak_mem_mb === null ? '' : String(r.peak_mem_mb))),
  );
  const table = await printed(logCommand, ['--db', db], true);
  assert.match(table.split('\n')[0]!, /\bpeak_mem\b/);
  assert.match(table, /\b7\.8 GiB\b/);
  assert.match(await printed(showCommand, [String(first!.id), '--db', db]), /^memory +peak 7\.8 GiB$/m);
  assert.doesNotMatch(await printed(showCommand, [String(crash.id), '--db', db]), /^memory/m);
});

test('through an executor too: the block in output.log is the final facts', async () => {
  const s = await executorSession(sandbox(), { isolation: 'none' });
  const executor = new LocalExecutor({ pool: new SlotPool([{ index: 0, gpus: [], model: null }]), graceMs: 500 });
  const { measured } = await s.measure(executor, s.row('', 3));
  assert.ok(!measured.rejected && !measured.interrupted);
  assert.deepEqual([measured.outcome.status, measured.outcome.metric, measured.outcome.peak_mem_mb], ['done', 0.9923, 8000.5]);
  assert.equal(JSON.parse(measured.outcome.final_json!).steps, 40);
  s.close();
});

test('a script that seeds with a constant, as autoresearch does, is found out: its repeats are invalid, and the session is told why once', async () => {
  const train = fs.readFileSync(path.join(AUTORESEARCH, 'train.mjs'), 'utf8');
  const constant = train.replace('const seed = Number(process.env.NIGHTSHIFT_SEED ?? 42);', 'const seed = 42;');
  assert.notEqual(constant, train);
  const { db, rows, events } = await runLoop(options(sandbox({ 'train.mjs': constant }), { maxExperiments: null, maxRuns: 4, baselineRuns: 4 }));
  const [first, ...repeats] = rows.filter((r) => r.kind === 'baseline');
  assert.deepEqual([first!.status, first!.metric], ['done', 0.9962]);
  assert.equal(repeats.length, 3);
  for (const run of repeats) assert.equal(run.status, 'invalid');
  const [told, ...later] = repeats;
  assert.equal(
    told!.reason,
    `its val_bpb 0.9962 is exactly that of run ${first!.id} on seed ${first!.seed}: the script ignores NIGHTSHIFT_SEED, so repeated runs measure no noise; seed every random generator from it`,
  );
  for (const run of later) assert.equal(run.reason, `it repeats run ${first!.id} exactly on another seed (the seed is ignored: see run ${told!.id})`);
  const lines = events.map(headlessLine).filter((l) => l !== null);
  assert.equal(lines.filter((l) => l.includes('NIGHTSHIFT_SEED')).length, 1, lines.join('\n'));
  // The export keeps the one run that measured; the invalid repeats make it no crash.
  assert.match(await printed(exportCommand, ['--format', 'autoresearch-tsv', '--db', db]), /\t0\.996200\t7\.8\tkeep\tbaseline \(mean of 1 of 4 runs\)\n$/);
});
