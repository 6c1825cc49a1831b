import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { prepareClaude } from '../../agent/proposers/claude/setup.ts';
import { fastSandbox, tempDir } from '../helpers.ts';
import { nightshift } from '../cli/cli.ts';
import { TEST_KEY } from './claude-harness.ts';
import { apiError, editor, message, scripted, startMockApi, submit, type MockApi } from './mock-api.ts';

const mocks: MockApi[] = [];
after(() => Promise.all(mocks.map((m) => m.close())));

// Each reply bills as a real one with a cached prompt would, so the report's cost is a sum worth checking.
const USAGE = { input_tokens: 1500, output_tokens: 400, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 8000 };
const proposeLr = scripted(() => [
  message([editor({ command: 'str_replace', path: 'train.mjs', old_str: 'lr: 0.03,', new_str: 'lr: 0.05,' }), submit('lr 0.05', 'faster')], {
    usage: USAGE,
  }),
]);

async function startup(models: Parameters<typeof startMockApi>[1] = {}) {
  const api = await startMockApi(proposeLr, models);
  mocks.push(api);
  const dir = tempDir();
  const db = path.join(dir, 'log.db');
  // --isolation none: these tests are about the API, and must pass where bubblewrap is missing,
  // where a Claude session otherwise refuses to start (test/isolation/fallback.test.ts).
  const args = [
    'run',
    '--sandbox',
    fastSandbox(),
    '--db',
    db,
    '--budget',
    '5',
    '--baseline-runs',
    '1',
    '--max-experiments',
    '1',
    '--headless',
    '--isolation',
    'none',
  ];
  return { api, db, dir, args, env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: api.url } };
}

test('a rejected key is one clear line at start-up, before any session exists', async () => {
  const { args, env, db } = await startup({ models: () => apiError(401, 'authentication_error', 'invalid x-api-key') });
  const result = await nightshift(args, { env });
  assert.equal(result.exitCode, 2);
  assert.equal(result.stderr, 'nightshift: the Anthropic API rejected ANTHROPIC_API_KEY (401 authentication_error: invalid x-api-key)');
  assert.equal(result.stdout, '');
  assert.ok(!fs.existsSync(db), 'no log, no session');
});

test('an unknown model and a missing key are one clear line each', async () => {
  const { args, env } = await startup({ models: () => apiError(404, 'not_found_error', 'model: claude-nope') });
  const unknown = await nightshift([...args, '--model', 'claude-nope'], { env });
  assert.equal(unknown.exitCode, 2);
  assert.equal(unknown.stderr, "nightshift: unknown model 'claude-nope' (404 not_found_error: model: claude-nope); pass a current model id with --model");
  await assert.rejects(prepareClaude({}, { model: 'claude-sonnet-5-5', maxTurns: 10, prefetch: true }), {
    name: 'UserError',
    message: 'the Claude proposer needs ANTHROPIC_API_KEY in the environment (or use --proposer planner)',
  });
});

test('run picks Claude when a key is set, with the model and programme given, and records its experiment', async () => {
  const { api, args, env, db, dir } = await startup();
  const program = path.join(dir, 'my-programme.md');
  fs.writeFileSync(program, '# My programme\nOnly ever tune the learning rate.\n');
  const result = await nightshift([...args, '--model', 'claude-opus-5-5', '--program', program], { env });
  assert.equal(result.exitCode, 0, result.all);
  assert.match(result.stdout, /proposer claude/);
  assert.ok(!result.all.includes(TEST_KEY));

  const request = api.messages[0]!;
  assert.equal(request.body.model, 'claude-opus-5-5');
  assert.match(request.body.system[0].text, /Only ever tune the learning rate/);
  assert.doesNotMatch(request.body.system[0].text, /# Research programme/, "the user's programme replaces the default one");
  assert.match(request.body.system[0].text, /# Rules/);

  const reader = new Database(db, { readonly: true });
  const llm = reader.prepare("SELECT id, proposer, cost_usd FROM experiments WHERE kind = 'llm'").get() as { id: number; proposer: string; cost_usd: number };
  const turns = reader.prepare('SELECT model, experiment_id FROM llm_turns WHERE experiment_id IS NOT NULL').all() as {
    model: string;
    experiment_id: number;
  }[];
  reader.close();
  assert.equal(llm.proposer, 'claude');
  assert.ok(llm.cost_usd > 0);
  assert.deepEqual(turns, [{ model: 'claude-opus-5-5', experiment_id: llm.id }]);

  // What was learned: the tokens and dollars of every request the mock answered, at Opus 5.5's list
  // prices ($ per million: 4 in, 8 for a cache write billed as 1 h without the TTL breakdown, 0.2 cache read, 20 out).
  const requests = api.messages.length;
  const tokensIn = requests * (USAGE.input_tokens + USAGE.cache_read_input_tokens + USAGE.cache_creation_input_tokens);
  const tokensOut = requests * USAGE.output_tokens;
  const dollars =
    (requests * (USAGE.input_tokens * 4 + USAGE.cache_creation_input_tokens * 8 + USAGE.cache_read_input_tokens * 0.2 + USAGE.output_tokens * 20)) / 1e6;
  const json = await nightshift(['report', '--db', db, '--format', 'json']);
  assert.equal(json.exitCode, 0, json.all);
  const { cost } = JSON.parse(json.stdout).learned;
  assert.deepEqual(
    { ...cost, cost_usd: Math.round(cost.cost_usd * 1e9) / 1e9 },
    {
      ...cost,
      tokens_in: tokensIn,
      tokens_out: tokensOut,
      cost_usd: Math.round(dollars * 1e9) / 1e9,
      llm_turns: requests,
    },
  );
  const md = await nightshift(['report', '--db', db]);
  assert.equal(md.exitCode, 0, md.all);
  assert.ok(md.stdout.includes(`Claude: ${tokensIn} tokens in, ${tokensOut} out over ${requests} requests, $${dollars.toFixed(2)}.`), md.stdout);
});
