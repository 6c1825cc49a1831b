import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { ablationsToMark, describeAblations } from '../../agent/annotate/from-session.ts';
import { scanMarkers } from '../../agent/knobs/scan.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { nightshift } from '../cli/cli.ts';
import { fastSandbox, REPO } from '../helpers.ts';
import { TEST_KEY } from '../proposers/claude-harness.ts';
import { message, type MockApi, startMockApi, toolUse } from '../proposers/mock-api.ts';
import { baseline, candidate, confirm } from '../session/session.ts';
import { storeLog } from '../store-log.ts';

const FIXTURE = path.join(REPO, 'test', 'fixtures', 'sandboxes', 'annotate');
const mocks: MockApi[] = [];
after(() => Promise.all(mocks.map((m) => m.close())));

const removes = (part: string) => JSON.stringify([{ part, action: 'REMOVE', from: 'present', to: 'none' }]);
const byClaude = (id: number, part: string, metric: number, over: Partial<ExperimentRow> = {}) =>
  candidate(id, metric, { proposer: 'claude', decision: 'revert', spec_json: removes(part), description: `remove ${part}`, diff: `-  ${part}();\n`, ...over });

test("a session's Claude ablations to mark: the kept and the significant, not the planner's, not an unmeasured or insignificant one, not a change without a spec", () => {
  const rows = [
    baseline(1, 2.0),
    baseline(2, 2.01),
    baseline(3, 1.99),
    byClaude(4, 'layerNorm', 2.5),
    confirm(5, 4, 2.52),
    confirm(6, 4, 2.49),
    byClaude(7, 'warmup', 1.9, { decision: 'keep', commit_sha: 'c1' }),
    byClaude(8, 'bias', 2.0),
    confirm(9, 8, 2.02),
    confirm(10, 8, 1.98),
    candidate(11, 2.6, { decision: 'revert', spec_json: removes('residual') }),
    confirm(12, 11, 2.61),
    candidate(13, 1.8, { kind: 'llm', proposer: 'claude', decision: 'keep', description: 'a tweak' }),
  ];
  const found = ablationsToMark(rows);
  assert.deepEqual(
    found.map((a) => [a.row.id, a.spec.part, a.kept, a.effect?.significant ?? null]),
    [
      [7, 'warmup', true, true],
      [4, 'layerNorm', false, true],
    ],
  );
  const text = describeAblations(3, 'val_loss', found);
  assert.match(text, /^# Ablations you made in code in session 3 \(metric val_loss\)\n\n## #7: remove warmup\nREMOVE warmup \(kept; effect Δ -0\.1/);
  assert.match(text, /## #4: remove layerNorm\nREMOVE layerNorm \(reverted; effect Δ \+0\.5033 \[[^\]]+\], significant\)\n```diff\n- {2}layerNorm\(\);\n```/);
});

/** A log whose latest session ran on a copy of the fixture, with one kept ablation by Claude (or none). */
function sessionLog(withAblation: boolean) {
  const sandbox = fastSandbox({}, FIXTURE);
  const log = storeLog();
  const session = log.session({});
  log.db.prepare('UPDATE sessions SET sandbox = ? WHERE id = ?').run(sandbox, session);
  for (const seed of [1, 2]) {
    const id = log.baseline(session, seed);
    log.db.prepare(`UPDATE experiments SET status = 'done', metric = ? WHERE id = ?`).run(2 + seed / 100, id);
  }
  const id = log.experiments.create({
    session_id: session,
    kind: withAblation ? 'ablation' : 'llm',
    description: 'drop the layer norm',
    seed: 1,
    base_commit: 'c0',
    proposer: 'claude',
    spec_json: withAblation ? removes('layerNorm') : null,
    diff: '--- a/train.mjs\n+++ b/train.mjs\n@@ -7 +7 @@\n-  layerNorm: true,\n+  layerNorm: false,\n',
  }).id;
  log.db.prepare(`UPDATE experiments SET status = 'done', metric = 1.9, decision = 'keep' WHERE id = ?`).run(id);
  log.db.close();
  return { sandbox, db: log.file, id };
}

test('annotate --from-session asks for markers for the kept ablation, in the sandbox the session ran on, and applies them with --yes', async () => {
  const { sandbox, db, id } = sessionLog(true);
  const api = await startMockApi(() =>
    message([
      toolUse('propose_markers', {
        markers: [{ file: 'train.mjs', line: 7, name: 'layerNorm', marker: '@ablate false', reason: `#${id} removed it and was kept` }],
      }),
    ]),
  );
  mocks.push(api);
  const result = await nightshift(['annotate', '--from-session', '--db', db, '--yes'], { env: { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: api.url } });
  assert.equal(result.exitCode, 0, result.all);
  assert.equal(result.stderr, `session 1: markers for #${id} (layerNorm)`);
  const text: string = api.messages[0]!.body.messages[0].content;
  assert.match(
    text,
    new RegExp(
      `# Ablations you made in code in session 1 \\(metric val_loss\\)\\n\\n## #${id}: drop the layer norm\\nREMOVE layerNorm \\(kept; effect Δ -0\\.115 \\[[^\\]]+\\], significant\\)\\n\`\`\`diff\\n-{3} a/train\\.mjs\\n`,
    ),
  );
  assert.match(text, /# Your task\nPropose markers for the parts the ablations above touched, and for nothing else/);
  assert.match(api.messages[0]!.body.system, /## Markers for a session's ablations/);
  const layerNorm = scanMarkers(sandbox, ['train.mjs']).find((m) => m.name === 'layerNorm');
  assert.deepEqual([layerNorm?.marker, layerNorm?.alternatives], ['ablate', [false]]);
});

test('--from-session with no ablation to mark says so and asks nothing; --session without it is one line', async () => {
  const { sandbox, db } = sessionLog(false);
  const before = fs.readFileSync(path.join(sandbox, 'train.mjs'), 'utf8');
  const api = await startMockApi(() => message([]));
  mocks.push(api);
  const env = { ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: api.url };
  const none = await nightshift(['annotate', '--from-session', '--db', db], { env });
  assert.equal(none.exitCode, 0, none.all);
  assert.equal(none.all, 'session 1 has no ablation by Claude that was kept or significant: nothing to annotate');
  assert.equal(api.requests.length, 0);
  assert.equal(fs.readFileSync(path.join(sandbox, 'train.mjs'), 'utf8'), before);

  const misused = await nightshift(['annotate', '--session', '1', '--sandbox', sandbox], { env });
  assert.equal(misused.exitCode, 2);
  assert.equal(misused.all, 'nightshift: --session and --db go with --from-session');
});
