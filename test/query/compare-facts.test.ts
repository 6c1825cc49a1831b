/**
 * `compare`'s training facts as the default sandbox states them: `peak_mem_mb` (the helpers'
 * name, stored in the row's column) and counts too large for four significant digits.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { compareCommand } from '../../agent/cli/commands/compare.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { FAST_SANDBOX, fastSandbox, readLog, tempDir } from '../helpers.ts';
import { meanRule, options, runLoop } from '../loop/harness.ts';

test('compare shows peak_mem_mb as the helpers report it and whole counts: 71,552 parameters are not 71,550', async () => {
  // The fast script's final line as the TypeScript helper writes it for the default sandbox.
  const script = fs
    .readFileSync(path.join(FAST_SANDBOX, 'train.mjs'), 'utf8')
    .replace('steps: step,', 'steps: step, peak_mem_mb: 217.93,')
    .replace('params: used + 1,', 'params: 71551 + used,');
  assert.ok(script.includes('peak_mem_mb: 217.93') && script.includes('params: 71551 + used'), 'the final line was rewritten');
  const db = path.join(tempDir(), 'log.db');
  await runLoop(options(fastSandbox({ 'train.mjs': script }), { baselineRuns: 2, ablationRuns: 1, interactionTop: 0, maxExperiments: 1 }), {
    db,
    policy: meanRule,
  });
  const rows = readLog(db).rows;
  const [baseline, change] = [rows.find((r) => r.kind === 'baseline')!, rows.find((r) => r.kind === 'ablation')!];
  assert.equal(baseline.peak_mem_mb, 217.93, 'the loop stores the stated peak');

  let text = '';
  const stdout = { write: (s: string) => ((text += s), true), isTTY: false, columns: 0, on: () => stdout } as unknown as Stdout;
  assert.equal(await compareCommand([String(baseline.id), String(change.id), '--db', db], stdout), 0);
  const field = (name: string) =>
    text
      .split('\n')
      .find((l) => l.startsWith(`${name}\t`))
      ?.split('\t')
      .slice(1);
  assert.deepEqual(field('peak memory'), ['0.213 GB', '0.213 GB']);
  const params = (id: number) => String(JSON.parse(rows.find((r) => r.id === id)!.final_json!).params);
  assert.deepEqual(field('params'), [params(baseline.id), params(change.id)]);
  assert.match(field('params')![0]!, /^715\d\d$/);
});
