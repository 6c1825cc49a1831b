import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { costOf } from '../../agent/proposers/claude/pricing.ts';
import { summarize } from '../../agent/report/summary.ts';
import { headlessLine } from '../../agent/ui/headless.ts';
import { loadSandbox } from '../../agent/config/load.ts';
import { fastSandbox, slowSandbox, tempDir } from '../helpers.ts';
import { options } from '../loop/harness.ts';
import { mockApi, runClaudeLoop, setLr, TEST_KEY } from './claude-harness.ts';
import { editor, message, overloaded, scripted, submit, toolResults } from './mock-api.ts';

/** One proposal: edit and submit in one turn (parallel tool calls). */
const proposeLr = (value: string) => [message([setLr(value), submit(`lr 0.03 -> ${value}`, 'a larger step converges faster')])];

test('a full proposal (view, str_replace, submit) is applied, run and recorded by the real loop', async () => {
  // The training script writes its environment out, to show the key never reaches it.
  const sandbox = fastSandbox();
  const train = path.join(sandbox, 'train.mjs');
  fs.writeFileSync(
    train,
    `import fs from 'node:fs';\n${fs.readFileSync(train, 'utf8')}\nfs.writeFileSync(process.env.NIGHTSHIFT_OUT + '/env.json', JSON.stringify(process.env));\n`,
  );
  const api = await mockApi(
    scripted(() => [
      message([editor({ command: 'view', path: 'train.mjs', view_range: [1, 12] })]),
      message([setLr('0.05')]),
      message([submit('raise the learning rate to 0.05', 'SGD is under-converged at 4 epochs; a larger step lowers val_loss')]),
    ]),
  );
  const { rows, turns, db, workspace } = await runClaudeLoop(options(sandbox, { maxExperiments: 1, baselineRuns: 1 }), api);

  const llm = rows.find((e) => e.kind === 'llm')!;
  assert.equal(llm.proposer, 'claude');
  assert.equal(llm.status, 'done');
  assert.equal(llm.description, 'raise the learning rate to 0.05');
  assert.match(llm.hypothesis!, /under-converged/);
  assert.match(llm.diff, /^-\s+lr: 0\.03,/m);
  assert.match(llm.diff, /^\+\s+lr: 0\.05,/m);

  // Three turns, each sending the whole conversation again, with a cached prefix.
  assert.deepEqual(
    api.messages.map((r) => r.body.messages.length),
    [1, 3, 5],
  );
  const first = api.messages[0]!;
  assert.deepEqual(
    first.body.tools.map((t: { type?: string; name: string }) => [t.type ?? 'custom', t.name]),
    [
      ['text_editor_20250728', 'str_replace_based_edit_tool'],
      ['custom', 'submit_experiment'],
      ['custom', 'write_plan'],
      ['custom', 'show_experiment'],
    ],
  );
  assert.deepEqual(first.body.system[0].cache_control, { type: 'ephemeral', ttl: '1h' });
  assert.deepEqual(first.body.cache_control, { type: 'ephemeral' });
  assert.match(first.body.system[0].text, /One idea per experiment/);
  const opening = first.body.messages[0].content.map((b: { text: string }) => b.text).join('\n');
  assert.match(opening, /## train\.mjs\n```\n.*lr: 0\.03,/s);
  assert.match(opening, /## Baseline: the code as it stands/);
  assert.equal(first.headers.authorization, `Bearer ${TEST_KEY}`);
  assert.equal(first.headers['anthropic-beta'], undefined, 'no beta (message threads or otherwise)');
  const [viewed] = toolResults(api.messages[1]!);
  assert.equal(viewed!.is_error, undefined);
  assert.match(viewed!.content, /^1: import fs/);

  // Every turn is logged and linked to the experiment.
  assert.equal(turns.length, 3);
  assert.ok(turns.every((t) => t.experiment_id === llm.id && t.model === 'claude-sonnet-5-5' && t.error === null));
  assert.deepEqual(
    turns.map((t) => [t.attempt, t.turn, t.stop_reason]),
    [
      [1, 1, 'tool_use'],
      [1, 2, 'tool_use'],
      [1, 3, 'tool_use'],
    ],
  );
  assert.ok(turns.every((t) => t.request_id?.startsWith('req_mock_')));
  assert.deepEqual([llm.tokens_in, llm.tokens_out], [3 * 100, 3 * 20]);

  // The key is in neither the log nor the training process's environment.
  assert.ok(!fs.readFileSync(db).includes(TEST_KEY));
  const env = JSON.parse(fs.readFileSync(path.join(path.dirname(workspace.dir), 'out', String(llm.id), 'env.json'), 'utf8'));
  assert.ok(!JSON.stringify(env).includes(TEST_KEY));
  assert.equal(env.ANTHROPIC_API_KEY, undefined);
});

test('a hostile model cannot touch anything outside the editable files', async () => {
  const outside = tempDir('nightshift-outside-');
  const secret = path.join(outside, 'secret.txt');
  fs.writeFileSync(secret, 'do not change\n');
  // An editable file that links out never reaches the loop: the sandbox is refused at load
  // (the editor's own refusal of links is in editor.test.ts).
  const linked = fastSandbox();
  fs.symlinkSync(secret, path.join(linked, 'evil.mjs'));
  const config = JSON.parse(fs.readFileSync(path.join(linked, 'nightshift.json'), 'utf8'));
  fs.writeFileSync(path.join(linked, 'nightshift.json'), JSON.stringify({ ...config, editable: ['train.mjs', 'evil.mjs'] }));
  assert.throws(() => loadSandbox(linked), { name: 'UserError', message: /holds a symbolic link, evil\.mjs -> / });
  const sandbox = fastSandbox();

  const absolute = path.join(outside, 'absolute.txt');
  const attacks = [
    editor({ command: 'create', path: '../x', file_text: 'escaped' }),
    editor({ command: 'create', path: absolute, file_text: 'escaped' }),
    editor({ command: 'str_replace', path: 'data.mjs', old_str: 'rng(12345)', new_str: 'rng(1)' }),
    editor({ command: 'create', path: 'nightshift.json', file_text: '{}' }),
    editor({ command: 'view', path: '../../../../../../etc/passwd' }),
    editor({ command: 'insert', path: 'node_modules/.bin/tsx', insert_line: 0, insert_text: 'x' }),
    editor({ command: 'rm', path: 'train.mjs' }),
  ];
  const api = await mockApi(
    scripted(() => [message(attacks), message([submit('nothing', 'nothing')]), message([setLr('0.05'), submit('lr 0.05', 'faster convergence')])]),
  );
  const { rows, workspace } = await runClaudeLoop(options(sandbox, { maxExperiments: 1, baselineRuns: 1 }), api);

  const results = toolResults(api.messages[1]!);
  assert.equal(results.length, attacks.length);
  assert.ok(
    results.every((r) => r.is_error === true),
    JSON.stringify(results),
  );
  const said = results.map((r) => r.content);
  assert.match(said[0]!, /'\.\.' is not allowed/);
  assert.match(said[1]!, /absolute paths are not allowed/);
  assert.match(said[2]!, /may not change data\.mjs: it is read-only/);
  assert.match(said[3]!, /may not change nightshift\.json: it is read-only/);
  assert.match(said[6]!, /command must be one of/);
  assert.match(toolResults(api.messages[2]!)[0]!.content, /not changed any file yet/);

  assert.equal(fs.readFileSync(secret, 'utf8'), 'do not change\n');
  assert.ok(!fs.existsSync(absolute));
  assert.ok(!fs.existsSync(path.join(path.dirname(workspace.dir), 'x')));
  const llm = rows.find((e) => e.kind === 'llm')!;
  assert.equal(llm.status, 'done', 'no read-only file changed, so it ran');
  assert.deepEqual(
    [...llm.diff.matchAll(/^diff --git a\/(\S+)/gm)].map((m) => m[1]),
    ['train.mjs'],
  );
});

test('overloaded answers (529) are retried by the SDK and the proposal goes through', async () => {
  let failures = 2;
  const script = scripted(() => proposeLr('0.05'));
  const api = await mockApi((request) => (failures-- > 0 ? overloaded() : script(request)));
  const { rows, turns } = await runClaudeLoop(options(fastSandbox(), { maxExperiments: 1, baselineRuns: 1 }), api, { maxRetries: 2 });
  assert.equal(api.messages.length, 3, 'two 529s, then the answer');
  assert.equal(rows.find((e) => e.kind === 'llm')?.proposer, 'claude');
  assert.equal(turns.length, 1, 'retries happen inside one turn');
  assert.equal(turns[0]!.error, null);
});

test('an API that stays down hands the experiment to the planner, and the next one asks Claude again', async () => {
  let down = true;
  const script = scripted(() => proposeLr('0.05'));
  const api = await mockApi((request) => (down ? overloaded() : script(request)));
  const opts = options(fastSandbox(), { maxExperiments: 2, baselineRuns: 1, ablationRuns: 1 });
  const result = runClaudeLoop(opts, api, {
    maxRetries: 1,
    fallback: {
      name: 'planner',
      // The planner's turn is where the API comes back, so the next proposal finds it up.
      propose: async (ctx) => {
        down = false;
        ctx.workspace.write('train.mjs', ctx.workspace.read('train.mjs').replace('bias: true,', 'bias: false,'));
        return { kind: 'ablation', description: 'ablate bias: true -> false', hypothesis: null, changeKey: 'ablate bias=false', spec: null, minRuns: 1 };
      },
    },
  });
  const { rows, turns, events } = await result;
  const candidates = rows.filter((e) => e.kind !== 'baseline' && e.kind !== 'confirm');
  assert.deepEqual(
    candidates.map((e) => [e.kind, e.proposer]),
    [
      ['ablation', 'planner (fallback)'],
      ['llm', 'claude'],
    ],
  );
  // Without bubblewrap the isolation warning comes first: the one about the API is looked for.
  const warning = events.find((e) => e.type === 'warning' && /Claude API/.test(e.message));
  assert.match(
    warning && 'message' in warning ? warning.message : '',
    /Claude API failed past its retries \(529 overloaded_error: Overloaded\): the planner proposes/,
  );
  const failed = turns.filter((t) => t.error !== null);
  assert.equal(failed.length, 1);
  assert.match(failed[0]!.error!, /529/);
  assert.equal(failed[0]!.experiment_id, candidates[0]!.id, 'the failed request is part of the fallback experiment');
  assert.equal(failed[0]!.input_tokens + failed[0]!.output_tokens, 0);
  assert.equal(api.messages.filter((r) => r.body.messages.length === 1).length, 3, 'two tries while down, one when up');
});

test("tokens and dollars: every turn priced at the model's rates, summed on the experiment", async () => {
  const api = await mockApi(
    scripted(() => [
      message([setLr('0.05')], {
        usage: {
          input_tokens: 1000,
          output_tokens: 200,
          cache_creation_input_tokens: 5000,
          cache_creation: { ephemeral_1h_input_tokens: 4000, ephemeral_5m_input_tokens: 1000 },
          cache_read_input_tokens: 0,
        },
      }),
      message([submit('lr 0.05', 'faster')], {
        usage: {
          input_tokens: 50,
          output_tokens: 100,
          cache_read_input_tokens: 6000,
          cache_creation_input_tokens: 300,
          cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 300 },
        },
      }),
    ]),
  );
  const { turns, db, events, rows, session: sessionRow } = await runClaudeLoop(options(fastSandbox(), { maxExperiments: 1, baselineRuns: 1 }), api);
  // Sonnet 5.5: $2 input, $2.50 5-minute write, $4 one-hour write, $0.10 read, $10 output per MTok.
  const first = (1000 * 2 + 1000 * 2.5 + 4000 * 4 + 200 * 10) / 1e6;
  const second = (50 * 2 + 300 * 2.5 + 6000 * 0.1 + 100 * 10) / 1e6;
  assert.deepEqual(
    turns.map((t) => [t.input_tokens, t.output_tokens, t.cache_read_tokens, t.cache_write_tokens]),
    [
      [1000, 200, 0, 5000],
      [50, 100, 6000, 300],
    ],
  );
  assert.ok(Math.abs(turns[0]!.cost_usd! - first) < 1e-12 && Math.abs(turns[1]!.cost_usd! - second) < 1e-12);
  assert.ok(turns.every((t) => t.latency_s >= 0));

  const { default: Database } = await import('better-sqlite3');
  const reader = new Database(db, { readonly: true });
  const row = reader.prepare("SELECT tokens_in, tokens_out, cost_usd FROM experiments WHERE kind = 'llm'").get() as {
    tokens_in: number;
    tokens_out: number;
    cost_usd: number;
  };
  const session = reader.prepare('SELECT SUM(cost_usd) AS cost FROM llm_turns WHERE session_id = 1').get() as { cost: number };
  reader.close();
  assert.equal(row.tokens_in, 1000 + 5000 + 50 + 6000 + 300);
  assert.equal(row.tokens_out, 300);
  assert.ok(Math.abs(row.cost_usd - (first + second)) < 1e-12);
  assert.ok(Math.abs(session.cost - (first + second)) < 1e-12);

  // Shown per experiment (the plain line of its start) and per session (the report).
  const started = events.find((e) => e.type === 'run-started' && e.experiment.kind === 'llm');
  assert.match(headlessLine(started!)!, /; claude: 12350 tokens in, 300 out, \$0\.0\d{3}\)$/);
  const report = summarize(sessionRow, rows);
  assert.equal(report.llm.tokens_in, 12350);
  assert.ok(Math.abs(report.llm.cost_usd - (first + second)) < 1e-12);
});

test('prices: an unknown model costs null, and Haiku 5.5 is dearer past a 100k-token prompt', () => {
  const usage = { input_tokens: 1_000_000, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, cache_creation: null };
  assert.equal(costOf('claude-imaginary-9', usage), null);
  assert.equal(costOf('claude-haiku-5-5', { ...usage, input_tokens: 100_000 }), 0.01);
  assert.equal(costOf('claude-haiku-5-5', { ...usage, input_tokens: 100_001 }), (100_001 * 0.1 * 5) / 1e6);
});

test('a model that never edits is retried with the error, then skipped; after three skips the planner proposes', async () => {
  const api = await mockApi(() => message([{ type: 'text', text: 'I think the code is fine as it is.' }], { stop_reason: 'end_turn' }));
  const { rows } = await runClaudeLoop(options(fastSandbox(), { maxExperiments: 1, baselineRuns: 1, ablationRuns: 1 }), api, { maxTurns: 2 });
  const candidates = rows.filter((e) => e.kind !== 'baseline' && e.kind !== 'confirm');
  assert.deepEqual(
    candidates.map((e) => [e.kind, e.status, e.proposer]),
    [
      ['llm', 'rejected', 'claude'],
      ['llm', 'rejected', 'claude'],
      ['llm', 'rejected', 'claude'],
      ['ablation', 'done', 'planner (fallback)'],
    ],
  );
  assert.equal(candidates[0]!.description, 'no change: no submitted change within 2 turns');
  // Two attempts of two turns per proposal; the second attempt is told why the first failed.
  assert.equal(api.messages.length, 3 * 4);
  assert.match(api.messages[1]!.body.messages.at(-1).content, /call submit_experiment now/);
  assert.match(JSON.stringify(api.messages[2]!.body.messages[0].content), /previous attempt at this experiment failed \(no submitted change within 2 turns\)/);
  assert.match(JSON.stringify(api.messages[4]!.body.messages[0].content), /#2 llm: no change: no submitted change within 2 turns → rejected/);
});

test('on 3 slots Claude is asked for proposals at once, each in its own checkout; a change already under way is not run twice', async () => {
  let open = 0;
  let most = 0;
  // Proposals 0 and 1 make the same edit; the rest each a value of their own. Every answer takes 800 ms.
  const values = ['0.05', '0.05', '0.02', '0.04', '0.06', '0.07'];
  const script = scripted((n) => proposeLr(values[n] ?? `0.0${n + 2}1`));
  const api = await mockApi(async (request) => {
    most = Math.max(most, ++open);
    await new Promise((resolve) => setTimeout(resolve, 800));
    open--;
    return script(request);
  });
  const executor = { kind: 'local', parallel: 3, gpus: null, gpusPerRun: null, allowMixedGpus: false, slurmArgs: null } as const;
  // Runs of over a second: a twin answered 800 ms after the first finds it still under way, whatever the machine's load.
  const { rows, turns } = await runClaudeLoop(options(slowSandbox(1500), { maxExperiments: 4, baselineRuns: 2, executor }), api);

  assert.ok(most >= 2, `at most ${most} request at a time`);
  const llm = rows.filter((e) => e.kind === 'llm');
  const twin = llm.find((e) => e.status === 'rejected');
  assert.match(twin?.reason ?? '', /^the same change as #\d+, which is under way$/, llm.map((e) => `#${e.id} ${e.status} ${e.reason}`).join('; '));
  const ran = llm.filter((e) => e.status !== 'rejected');
  assert.equal(new Set(ran.map((e) => e.diff)).size, ran.length, 'no change ran twice');
  assert.ok(
    ran.every((e) => /^\+\s+lr: 0\.\d+,/m.test(e.diff)),
    "each diff is its own proposal's edit alone",
  );
  // Every proposal Claude made has its turns linked to it (a re-test after a keep is the same change again, with none).
  for (const e of llm.filter((x) => x.retry_of === null))
    assert.ok(
      turns.some((t) => t.experiment_id === e.id),
      `#${e.id} has its turns`,
    );
});
