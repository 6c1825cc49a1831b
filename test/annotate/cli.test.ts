import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { planAnnotation, readEditable } from '../../agent/annotate/annotate.ts';
import { deliver, type AnnotateIo } from '../../agent/cli/commands/annotate.ts';
import { loadSandbox } from '../../agent/config/load.ts';
import { scanMarkers } from '../../agent/knobs/scan.ts';
import { nightshift } from '../cli/cli.ts';
import { fastSandbox, REPO, tempDir } from '../helpers.ts';
import { TEST_KEY } from '../proposers/claude-harness.ts';
import { message, type MockApi, type MockReply, startMockApi, toolResults, toolUse } from '../proposers/mock-api.ts';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'sandboxes', 'annotate');
const EDITABLE = ['train.mjs', 'model.py'];

const mocks: MockApi[] = [];
after(() => Promise.all(mocks.map((m) => m.close())));

const GOOD = [
  { file: 'train.mjs', line: 7, name: 'layerNorm', marker: '@ablate false', reason: 'whether normalisation helps at this depth' },
  { file: 'train.mjs', line: 9, name: 'activation', marker: "@ablate 'linear'", reason: 'how much the nonlinearity matters' },
  { file: 'model.py', line: 3, name: 'use_bias', marker: '@ablate False', reason: 'biases are often redundant' },
];
const BAD = [
  { file: 'train.mjs', line: 6, name: 'hidden', marker: '@knob 16..', reason: 'width' },
  { file: 'model.py', line: 40, name: 'dropout', marker: '@knob 0..0.3', reason: 'regularisation' },
];
const proposing = (markers: unknown[]) => message([toolUse('propose_markers', { markers })]);

async function setup(replies: MockReply[] = [proposing([...GOOD, ...BAD])]) {
  let turn = 0;
  const api = await startMockApi(() => replies[Math.min(turn++, replies.length - 1)]!);
  mocks.push(api);
  const sandbox = fastSandbox({}, FIXTURE);
  const env = { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: api.url };
  return { api, sandbox, env, before: snapshot(sandbox) };
}

const snapshot = (dir: string) => Object.fromEntries(EDITABLE.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
const markerNames = (dir: string) => scanMarkers(dir, EDITABLE).map((m) => `${m.file}:${m.line + 1} ${m.name} @${m.marker}`);
const NEW_MARKERS = ['train.mjs:7 layerNorm @ablate', 'train.mjs:9 activation @ablate', 'model.py:3 use_bias @ablate'];

test('piped: the diff is printed, parses into the new markers once applied, the bad proposals are dropped with why, and nothing changes', async () => {
  const { api, sandbox, env, before } = await setup();
  const result = await nightshift(['annotate', '--sandbox', sandbox], { env });
  assert.equal(result.exitCode, 0, result.all);
  assert.deepEqual(snapshot(sandbox), before, 'piped without --yes: the sandbox is untouched');
  assert.deepEqual(result.stderr.split('\n'), [
    'dropped train.mjs:6 hidden: @knob 16..: line 6: @knob: bad value 16..',
    'dropped model.py:40 dropout: @knob 0..0.3: line 40 is past the end of model.py (4 lines)',
    '3 new markers proposed; nothing changed (--yes applies them, --out FILE writes the diff)',
  ]);
  assert.match(result.stdout, /^# train\.mjs:7 layerNorm: @ablate false \(whether normalisation helps at this depth\)\n/);
  assert.ok(!result.all.includes(TEST_KEY));

  // The printed diff, applied to another copy, gives files the marker parser reads the new markers from.
  const copy = fastSandbox({}, FIXTURE);
  execFileSync('git', ['apply'], { cwd: copy, input: result.stdout });
  assert.deepEqual(markerNames(copy), ['train.mjs:5 lr @knob', ...NEW_MARKERS]);
  assert.equal(fs.readFileSync(path.join(copy, 'model.py'), 'utf8'), before['model.py']!.replace('use_bias = True', 'use_bias = True  # @ablate False'));

  const [request] = api.messages;
  assert.equal(api.messages.length, 1);
  assert.deepEqual(request!.body.tool_choice, { type: 'tool', name: 'propose_markers' });
  assert.match(request!.body.system, /# Annotating a training script with markers/);
  const text: string = request!.body.messages[0].content;
  assert.match(text, /## model\.py \(markers are written after #\)\n```\n1\| # The same model/);
  assert.match(text, /- train\.mjs:5 lr: @knob already/);
});

test('--yes applies the markers; --out writes the same diff without touching the sandbox', async () => {
  const { sandbox, env } = await setup();
  const applied = await nightshift(['annotate', '--sandbox', sandbox, '--yes'], { env });
  assert.equal(applied.exitCode, 0, applied.all);
  assert.match(applied.stdout, /^applied 3 new markers to .*:\n {2}train\.mjs:7 layerNorm: @ablate false\n/);
  assert.deepEqual(markerNames(sandbox), ['train.mjs:5 lr @knob', ...NEW_MARKERS]);

  const second = await setup();
  const out = path.join(tempDir(), 'markers.diff');
  const written = await nightshift(['annotate', '--sandbox', second.sandbox, '--out', out], { env: second.env });
  assert.equal(written.exitCode, 0, written.all);
  assert.equal(written.stdout, '');
  assert.deepEqual(snapshot(second.sandbox), second.before);
  execFileSync('patch', ['-p1', '--quiet', '-d', second.sandbox, '-i', out]);
  assert.deepEqual(snapshot(second.sandbox), snapshot(sandbox), 'the written diff makes what --yes made');
});

test('without ANTHROPIC_API_KEY: one line, and nothing asked', async () => {
  const { api, sandbox, env } = await setup();
  const result = await nightshift(['annotate', '--sandbox', sandbox], { env: { ANTHROPIC_BASE_URL: env.ANTHROPIC_BASE_URL } });
  assert.equal(result.exitCode, 2);
  assert.equal(result.all, 'nightshift: annotate needs Claude: set ANTHROPIC_API_KEY in the environment');
  assert.equal(api.requests.length, 0);
});

test('a malformed tool input goes back to the model as a tool error; a proposal with no usable marker changes nothing', async () => {
  const { api, sandbox, env, before } = await setup([proposing([{ ...GOOD[0], line: '7' }]), proposing(BAD)]);
  const result = await nightshift(['annotate', '--sandbox', sandbox, '--yes'], { env });
  assert.equal(result.exitCode, 0, result.all);
  assert.equal(api.messages.length, 2);
  const [error] = toolResults(api.messages[1]!);
  assert.equal(error!.is_error, true);
  assert.match(error!.content, /^invalid propose_markers input: markers\.0\.line: /);
  assert.match(result.stderr, /no new marker to propose: nothing changed$/);
  assert.deepEqual(snapshot(sandbox), before);
});

test('on a terminal the diff is shown and applied only on y', async () => {
  for (const [answer, applied] of [
    ['y', true],
    ['', false],
    ['no', false],
  ] as const) {
    const sandbox = loadSandbox(fastSandbox({}, FIXTURE));
    const before = snapshot(sandbox.dir);
    const annotation = planAnnotation(readEditable(sandbox), GOOD);
    const said: string[] = [];
    const asked: string[] = [];
    const io: AnnotateIo = {
      say: (text) => void said.push(text),
      note: (line) => void said.push(line),
      paint: undefined,
      ask: async (question) => (asked.push(question), answer),
    };
    await deliver(sandbox, annotation, { yes: false }, io);
    assert.deepEqual(asked, [`apply these 3 new markers to ${sandbox.dir}? [y/N] `]);
    assert.equal(said[0], annotation.diff, 'the diff comes first');
    assert.equal(snapshot(sandbox.dir)['train.mjs'] !== before['train.mjs'], applied, `answer '${answer}'`);
    if (applied) assert.deepEqual(markerNames(sandbox.dir), ['train.mjs:5 lr @knob', ...NEW_MARKERS]);
  }
});

test('a file changed while Claude was asked is not overwritten', async () => {
  const sandbox = loadSandbox(fastSandbox({}, FIXTURE));
  const annotation = planAnnotation(readEditable(sandbox), GOOD);
  fs.appendFileSync(path.join(sandbox.dir, 'train.mjs'), '// edited meanwhile\n');
  const io: AnnotateIo = { say: () => {}, note: () => {}, paint: undefined, ask: null };
  await assert.rejects(deliver(sandbox, annotation, { yes: true }, io), {
    message: 'train.mjs changed while annotate ran: nothing applied (run annotate again)',
  });
  assert.doesNotMatch(fs.readFileSync(path.join(sandbox.dir, 'model.py'), 'utf8'), /@ablate/);
});
