import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fastSandbox } from '../helpers.ts';
import { options, runLoop, scriptedEdits } from './harness.ts';

const appendOnce = (text: string) =>
  scriptedEdits({ description: 'a huge edit', apply: (workspace) => fs.appendFileSync(path.join(workspace, 'train.mjs'), text) });

test('an edit over the size limit is rejected with the limit named, and only its start is stored', async () => {
  const { rows } = await runLoop(options(fastSandbox(), { maxExperiments: 3, baselineRuns: 1 }), { proposer: appendOnce(`// ${'x'.repeat(3 * 2 ** 20)}\n`) });
  const huge = rows.find((r) => r.kind === 'llm')!;
  assert.equal(huge.status, 'rejected');
  assert.match(huge.reason!, /^the edit is 3\.0 MiB, over the edit-size limit of 1 MiB$/);
  assert.ok(huge.diff.length < 70_000, `${huge.diff.length} bytes stored`);
  assert.match(huge.diff, /the rest of this \d+-byte edit was not stored/);
});

test('a run whose output line is cut at the line cap goes on, and its record says so', async () => {
  const train = fs.readFileSync(path.join(fastSandbox(), 'train.mjs'), 'utf8');
  const sandbox = fastSandbox({ 'train.mjs': `process.stdout.write('y'.repeat(3 * 2 ** 20) + '\\n');\n${train}` });
  const { rows } = await runLoop(options(sandbox, { maxExperiments: 1, baselineRuns: 1 }));
  assert.equal(rows[0]!.status, 'done');
  assert.match(rows[0]!.reason!, /^1 output line over the line cap cut$/);
});
