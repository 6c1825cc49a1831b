import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type Anthropic from '@anthropic-ai/sdk';
import { connectClaude } from '../../agent/proposers/claude/client.ts';
import { fastSandbox, slowSandbox } from '../helpers.ts';
import { options } from '../loop/harness.ts';
import { runClaudeLoop, TEST_KEY } from './claude-harness.ts';
import { editor, message, scripted, startMockApi, submit, type MockApi } from './mock-api.ts';

const mocks: MockApi[] = [];
after(() => Promise.all(mocks.map((m) => m.close())));

/** Proposal 0 changes a line (`first`); every later one adds a comment at the top, which applies on any commit. */
async function mockWith(first: { old: string; new: string }): Promise<MockApi> {
  const api = await startMockApi(
    scripted((n) => [
      n === 0
        ? message(
            [editor({ command: 'str_replace', path: 'train.mjs', old_str: first.old, new_str: first.new }), submit(`${first.old} -> ${first.new}`, 'h')],
            { delayMs: 200 },
          )
        : message([editor({ command: 'insert', path: 'train.mjs', insert_line: 0, insert_text: `// idea ${n}` }), submit(`idea ${n}`, 'h')], { delayMs: 200 }),
    ]),
  );
  mocks.push(api);
  return api;
}

const opening = (api: MockApi, n: number) => JSON.stringify(api.messages.filter((r) => r.body.messages.length === 1)[n]!.body.messages[0].content);

test('each proposal is made while the previous run is in flight, and used when that run changed no code', async () => {
  const api = await mockWith({ old: 'lr: 0.03,', new: 'lr: 0.05,' });
  // Runs of 1.5 s against answers in 0.2 s: on a loaded machine a run of the fast sandbox could end before the model answered.
  const { rows, turns, workspace } = await runClaudeLoop(options(slowSandbox(1500), { maxExperiments: 2, baselineRuns: 1 }), api, { prefetch: true });
  const llm = rows.filter((e) => e.kind === 'llm');
  assert.deepEqual(
    llm.map((e) => [e.description, e.status]),
    [
      ['lr: 0.03, -> lr: 0.05,', 'done'],
      ['idea 1', 'done'],
    ],
  );
  assert.equal(llm[0]!.decision, 'revert', 'a worse lr is reverted, so the code the speculation saw still stands');
  assert.match(llm[1]!.diff, /^\+\/\/ idea 1$/m);
  assert.doesNotMatch(llm[1]!.diff, /lr: 0\.05/, 'made on the last kept commit, not on the candidate that ran');

  // The first was made while the baseline ran; the second from the log with the first still running.
  assert.doesNotMatch(opening(api, 0), /Running now/);
  assert.match(opening(api, 1), /Running now or being confirmed, result not yet known.*#2 llm: lr: 0\.03, -> lr: 0\.05,/);
  for (const e of llm) {
    const used = turns.filter((t) => t.experiment_id === e.id);
    assert.ok(used.length > 0 && used.every((t) => t.speculative === 1));
  }
  assert.ok(
    llm.every((e) => e.propose_s! < 0.5),
    'no waiting for the model between runs',
  );
  // The scratch checkout is gone with the session.
  assert.ok(!fs.existsSync(path.join(path.dirname(workspace.dir), 'scratch')));
});

test('a speculative proposal made before a keep is discarded and a fresh one made on the new code', async () => {
  // More epochs lowers this sandbox's val_loss: the first proposal is kept.
  const api = await mockWith({ old: 'epochs: 4,', new: 'epochs: 8,' });
  // A keep is followed by a control run of the new baseline, then the next proposal.
  const { rows, turns } = await runClaudeLoop(options(fastSandbox(), { maxExperiments: 2, baselineRuns: 1 }), api, { prefetch: true });
  const llm = rows.filter((e) => e.kind === 'llm');
  assert.equal(llm[0]!.decision, 'keep');
  assert.equal(llm[1]!.description, 'idea 2', 'idea 1 was made on the code before the keep');
  assert.match(llm[1]!.diff, /^\+\/\/ idea 2$/m);
  const discarded = turns.filter((t) => t.experiment_id === null && t.speculative === 1);
  assert.ok(discarded.length > 0);
  assert.match(opening(api, 2), /## Kept changes.*#2 llm: epochs: 4, -> epochs: 8,/s, 'idea 2 was made on the new code, during the control run');
  assert.ok(turns.filter((t) => t.experiment_id === llm[1]!.id).every((t) => t.speculative === 1));
});

test('a bug in a speculative proposal is reported as a warning, and the proposal is made afresh', async () => {
  const api = await mockWith({ old: 'lr: 0.03,', new: 'lr: 0.05,' });
  const { api: real } = await connectClaude(
    { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: api.url },
    { model: 'claude-sonnet-5-5', timeoutS: 10, maxRetries: 2 },
  );
  // The first request is the speculation made while the baseline runs: it meets a bug, not an API failure.
  let calls = 0;
  const create = (...args: Parameters<Anthropic['messages']['create']>) => {
    if (calls++ === 0) throw new TypeError('boom in the speculative path');
    return real.client.messages.create(...args);
  };
  const buggy = { model: real.model, client: { messages: { create } } as unknown as Anthropic };
  const { rows, events } = await runClaudeLoop(options(fastSandbox(), { maxExperiments: 1, baselineRuns: 1 }), api, { prefetch: true, api: buggy });

  const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
  assert.ok(
    warnings.some((w) => /speculative proposal failed unexpectedly \(TypeError: boom in the speculative path\)/.test(w)),
    `warnings: ${JSON.stringify(warnings)}`,
  );
  const llm = rows.filter((e) => e.kind === 'llm');
  assert.deepEqual(
    llm.map((e) => [e.proposer, e.description, e.status]),
    [['claude', 'lr: 0.03, -> lr: 0.05,', 'done']],
  );
});
