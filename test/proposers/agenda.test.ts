import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openLogReadOnly } from '../../agent/store/db.ts';
import { latestAgenda } from '../../agent/store/agendas.ts';
import { nightshift } from '../cli/cli.ts';
import { fastSandbox } from '../helpers.ts';
import { options } from '../loop/harness.ts';
import { runClaudeLoop } from './claude-harness.ts';
import { editor, message, type MockApi, type MockRequest, scripted, startMockApi, submit, toolResults, toolUse } from './mock-api.ts';

const mocks: MockApi[] = [];
after(() => Promise.all(mocks.map((m) => m.close())));

const setLr = (value: string) => editor({ command: 'str_replace', path: 'train.mjs', old_str: 'lr: 0.03,', new_str: `lr: ${value},` });
const openingText = (r: MockRequest): string => (r.body.messages[0].content as { text: string }[]).map((b) => b.text).join('\n');

test('write_plan keeps an agenda in the log that the next proposal is given back; show_experiment reads a past run, fenced', async () => {
  const plan = '- raise lr: SGD looks under-converged\n- then try fewer epochs';
  const api = await startMockApi(
    scripted((n) =>
      n === 0
        ? [
            // The plan and a look at the baseline run first, then the change, in a second turn.
            message([toolUse('write_plan', { plan }), toolUse('show_experiment', { id: 1 }), toolUse('show_experiment', { id: 999 })]),
            message([setLr('0.05'), submit('lr 0.03 -> 0.05', 'under-converged', -0.01)]),
          ]
        : [message([setLr('0.02'), submit('lr 0.03 -> 0.02', 'maybe over-shooting', 0.0)])],
    ),
  );
  mocks.push(api);
  const { db, rows } = await runClaudeLoop(options(fastSandbox(), { maxExperiments: 2, baselineRuns: 1 }), api);

  const first = api.messages.filter((r) => r.body.messages.length === 1);
  assert.equal(first.length, 2, 'two proposals');
  assert.match(openingText(first[0]!), /# Your agenda\nNone yet\./);
  assert.ok(openingText(first[1]!).includes(`# Your agenda (written `) && openingText(first[1]!).includes(plan), 'the second proposal is given the plan back');
  assert.ok(
    api.messages[0]!.body.tools.some((t: { name: string }) => t.name === 'write_plan'),
    'the tools are offered',
  );

  const [saved, shown, unknown] = toolResults(api.messages[1]!);
  assert.match(saved!.content, /^Saved/);
  assert.match(shown!.content, /^<run-output>#1 baseline · done/);
  assert.match(shown!.content, /<\/run-output>$/);
  assert.equal(unknown!.is_error, true);
  assert.match(unknown!.content, /no experiment 999/);

  const log = openLogReadOnly(db);
  assert.equal(latestAgenda(log, rows[0]!.session_id)?.plan, plan);
  log.close();
  assert.equal(rows.filter((e) => e.kind === 'llm').length, 2);

  // The report shows it: a section in Markdown, a field in JSON.
  const md = await nightshift(['report', '--db', db]);
  assert.match(String(md.stdout), /## The proposer's agenda\n\nWritten [^\n]+:\n\n- raise lr: SGD looks under-converged\n- then try fewer epochs\n/);
  const json = JSON.parse(String((await nightshift(['report', '--db', db, '--format', 'json'])).stdout));
  assert.deepEqual({ plan: json.agenda.plan, versions: json.agenda.versions }, { plan, versions: 1 });
});

test('a plan that is empty or far too long is an error the model can fix, and nothing is stored', async () => {
  const api = await startMockApi(
    scripted(() => [
      message([toolUse('write_plan', { plan: '  ' }), toolUse('write_plan', { plan: 'x'.repeat(5000) })]),
      message([setLr('0.05'), submit('lr 0.03 -> 0.05', 'under-converged', -0.01)]),
    ]),
  );
  mocks.push(api);
  const { db, rows } = await runClaudeLoop(options(fastSandbox(), { maxExperiments: 1, baselineRuns: 1 }), api);
  const results = toolResults(api.messages[1]!);
  assert.deepEqual(
    results.map((r) => r.is_error),
    [true, true],
  );
  assert.match(results[0]!.content, /invalid write_plan input: plan/);
  const log = openLogReadOnly(db);
  assert.equal(latestAgenda(log, rows[0]!.session_id), null);
  log.close();
});
