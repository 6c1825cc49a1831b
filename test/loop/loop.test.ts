import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { NoiseAwarePolicy } from '../../agent/decide/noise-aware.ts';
import type { Proposer } from '../../agent/proposers/types.ts';
import { decidedCount, finishedCount } from '../../agent/session/kinds.ts';
import { fastSandbox } from '../helpers.ts';
import { options, runLoop } from './harness.ts';

test('the loop runs baseline, ablations with confirmations, then tweaks, and records every run', async () => {
  const sandbox = fastSandbox();
  const { rows, session, events, workspace, db } = await runLoop(options(sandbox, { maxExperiments: 6 }));
  assert.equal(session.status, 'finished');
  // --max-experiments counts decided changes: 2 ablations, 1 interaction, 3 tweaks, each with all its runs.
  assert.equal(session.end_reason, 'reached --max-experiments 6');
  assert.equal(decidedCount(rows), 6);
  assert.ok(!rows.some((e) => e.decision === 'pending'), 'no change left half-decided');
  const finished = finishedCount(rows);
  assert.equal(finished, rows.length);

  const [b1, b2] = rows;
  assert.deepEqual([b1!.kind, b2!.kind, b1!.decision, b1!.seed, b2!.seed], ['baseline', 'baseline', 'baseline', 1, 2]);

  // The first pass over the components (a keep may have them measured again for the interaction tests).
  const ablations = rows.filter((e) => e.kind === 'ablation' && !e.description.includes('(again'));
  assert.deepEqual(
    ablations.map((e) => e.description),
    ['ablate bias: true -> false', "ablate features: 'all' -> 'half'"],
  );
  for (const a of ablations) {
    assert.ok(a.decision === 'keep' || a.decision === 'revert');
    assert.equal(rows.filter((e) => e.kind === 'confirm' && e.parent_id === a.id).length, 1, 'ablations get ablationRuns runs');
    assert.match(a.diff, /^\+.*@ablate/m);
    assert.ok(a.metric! > 0);
  }
  assert.deepEqual(
    ablations.map((a) => JSON.parse(a.spec_json!)[0].action),
    ['REMOVE', 'REPLACE'],
  );
  assert.ok(
    rows.some((e) => e.kind === 'tweak'),
    'knob tweaks follow the ablations',
  );

  // Every decision is reflected in the workspace's history: one commit per keep, on the baseline.
  const kept = rows.filter((e) => e.decision === 'keep');
  const log = (await workspace.git.run(['log', '--format=%H %s'])).trim().split('\n');
  assert.equal(log.length, kept.length + 1);
  for (const k of kept) assert.ok(log.some((l) => l.startsWith(k.commit_sha!) && l.includes(`experiment ${k.id}:`)));
  assert.equal(session.head_commit, kept.at(-1)?.commit_sha ?? session.baseline_commit);
  // A keep's own runs were selected for looking good: the new baseline is measured afresh.
  for (const k of kept) {
    const onIt = rows.filter((e) => e.base_commit === k.commit_sha);
    assert.deepEqual(
      onIt.slice(0, 2).map((e) => e.kind),
      ['control', 'control'].slice(0, onIt.length),
    );
    for (const c of onIt.slice(0, 2)) assert.equal(c.description, `control: measure the new baseline, seed ${c.seed}`);
    assert.ok(
      onIt.slice(0, 2).every((e) => !rows.some((o) => o.id !== e.id && o.seed === e.seed && o.kind === 'control')),
      'fresh seeds',
    );
  }

  // Step metrics were stored, and every run has its log file.
  const reader = new Database(db, { readonly: true });
  const steps = reader.prepare("SELECT COUNT(*) AS n FROM metrics WHERE name = 'train_loss'").get() as { n: number };
  reader.close();
  assert.ok(steps.n >= finished * 4);
  for (const e of rows) assert.match(fs.readFileSync(e.log_path!, 'utf8'), /epoch 0 done/);

  assert.equal(events[0]!.type, 'session-started');
  assert.equal(events.at(-1)!.type, 'session-ended');
  assert.equal(events.filter((e) => e.type === 'run-finished').length, finished);
});

test('noise-aware: each revert adds a control run of the baseline on a fresh seed, up to twice --baseline-runs', async () => {
  const { rows } = await runLoop(options(fastSandbox(), { maxExperiments: null, maxRuns: 16 }), { policy: new NoiseAwarePolicy() });
  const headRuns = new Map<string, number>();
  const reverts = new Map<string, number>();
  let topUps = 0;
  rows.forEach((e, i) => {
    if (e.kind === 'baseline' || e.kind === 'control') headRuns.set(e.base_commit, (headRuns.get(e.base_commit) ?? 0) + 1);
    if (e.decision !== 'revert' || e.n_runs === null) return;
    const commit = e.base_commit;
    reverts.set(commit, (reverts.get(commit) ?? 0) + 1);
    // The row after this candidate's last confirmation: a control, while the baseline is short.
    const next = rows.slice(i + 1).find((r) => r.kind !== 'confirm');
    if (!next) return;
    const wanted = Math.min(4, 2 + reverts.get(commit)!);
    const have = rows.slice(0, rows.indexOf(next)).filter((r) => (r.kind === 'baseline' || r.kind === 'control') && r.base_commit === commit).length;
    if (have < wanted) {
      assert.equal(next.kind, 'control', `after revert #${e.id} (${have} of ${wanted} baseline runs)`);
      assert.equal(next.base_commit, commit);
      assert.equal(
        next.description,
        `control: top up the baseline after ${reverts.get(commit)} revert${reverts.get(commit) === 1 ? '' : 's'}, seed ${next.seed}`,
      );
      // Fresh when it ran: later candidates screen on the baseline's seeds in turn, this one's included.
      assert.ok(!rows.slice(0, rows.indexOf(next)).some((o) => o.seed === next.seed && o.base_commit === commit), 'a fresh seed');
      topUps++;
    } else assert.notEqual(next.kind, 'control', `no control past ${wanted} baseline runs (#${e.id})`);
  });
  assert.ok(topUps >= 2, `top-ups happened (${topUps})`);
  for (const [commit, n] of headRuns) assert.ok(n <= 4, `${n} runs of ${commit}`);
});

test('a crashing candidate is recorded as crashed and reverted, and the session goes on', async () => {
  const sandbox = fastSandbox();
  // Ablating the bias makes this script crash: a candidate fault must never be fatal.
  const train = fs
    .readFileSync(path.join(sandbox, 'train.mjs'), 'utf8')
    .replace('const seed =', "if (!config.bias) throw new Error('bias is required');\nconst seed =");
  fs.writeFileSync(path.join(sandbox, 'train.mjs'), train);
  const { rows } = await runLoop(options(sandbox, { maxExperiments: 5 }));
  const crashed = rows.find((e) => e.description.startsWith('ablate bias'))!;
  assert.equal(crashed.status, 'crashed');
  assert.equal(crashed.decision, 'revert');
  assert.match(crashed.reason!, /its run crashed.*bias is required/);
  assert.ok(rows.filter((e) => e.status === 'done').length >= 4);
});

test('a proposal that edits a read-only file is rejected before it runs', async () => {
  const tamper: Proposer = {
    name: 'tamper',
    async propose(ctx) {
      fs.appendFileSync(path.join(ctx.workspace.dir, 'data.mjs'), '\nexport const hacked = 1;\n');
      return { kind: 'llm', description: 'edit the data', hypothesis: null, changeKey: 'x', spec: null, minRuns: 1 };
    },
  };
  const { rows } = await runLoop(options(fastSandbox(), { maxExperiments: 3 }), { proposer: { ...tamper, propose: onceThenNull(tamper) } });
  const rejected = rows.find((e) => e.kind === 'llm')!;
  assert.equal(rejected.status, 'rejected');
  assert.equal(rejected.decision, 'revert');
  assert.match(rejected.reason!, /read-only data\.mjs/);
  assert.equal(rejected.log_path, null, 'it never ran');
  assert.match(rejected.diff, /hacked/, 'the attempted diff is kept');
});

test('a proposal that changes nothing is rejected, and the loop ends when the proposer is out of ideas', async () => {
  const idle: Proposer = {
    name: 'idle',
    propose: async () => ({ kind: 'llm', description: 'nothing', hypothesis: null, changeKey: null, spec: null, minRuns: 1 }),
  };
  const { rows, session } = await runLoop(options(fastSandbox(), { maxExperiments: 3 }), { proposer: { ...idle, propose: onceThenNull(idle) } });
  assert.equal(rows.find((e) => e.kind === 'llm')!.status, 'rejected');
  assert.equal(session.status, 'finished');
  assert.match(session.end_reason!, /nothing left to try/);
});

function onceThenNull(proposer: Proposer): Proposer['propose'] {
  let used = false;
  return async (ctx) => {
    if (used) return null;
    used = true;
    return proposer.propose(ctx);
  };
}
