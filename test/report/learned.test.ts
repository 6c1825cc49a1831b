/**
 * "What was learned" and the labelled deltas, checked against a log the real loop wrote on the
 * fast script: session 1 (noise-aware) measures the components, one of which does nothing, and
 * one knob move rewrites the read-only data file while it runs (an invalid run); session 2 keeps
 * two knob moves in a row, the first re-measured, the second not yet (the session ends on its limit).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { logCommand } from '../../agent/cli/commands/log.ts';
import { reportCommand } from '../../agent/cli/commands/report.ts';
import { showCommand } from '../../agent/cli/commands/show.ts';
import { createPolicy } from '../../agent/decide/registry.ts';
import { reportMarkdown } from '../../agent/report/markdown.ts';
import { summarize } from '../../agent/report/summary.ts';
import type { Decision, DecisionInput, DecisionPolicy } from '../../agent/decide/types.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { pooledSd } from '../../agent/stats/descriptive.ts';
import { meanDiffInterval } from '../../agent/stats/intervals.ts';
import { tQuantile } from '../../agent/stats/t-dist.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { FAST_SANDBOX, fastSandbox, readLog, tempDir } from '../helpers.ts';
import { meanRule, options, runLoop } from '../loop/harness.ts';

const dir = tempDir('nightshift-learned-');
const db = path.join(dir, 'log.db');

/** The harness's mean rule, with an interval on its verdicts as the noise-aware rule stores one. */
const intervalRule: DecisionPolicy = {
  ...meanRule,
  decide(input: DecisionInput): Decision {
    const d = meanRule.decide(input);
    if (d.verdict === 'confirm' || !d.stats) return d;
    const ci = meanDiffInterval(
      input.candidate.map((m) => m.value),
      input.baseline.map((m) => m.value),
      0.95,
      pooledSd([input.candidate.map((m) => m.value), input.baseline.map((m) => m.value)]),
    );
    return { ...d, stats: { ...d.stats, ciLow: ci.low, ciHigh: ci.high } };
  },
};

before(async () => {
  const script = fs
    .readFileSync(path.join(FAST_SANDBOX, 'train.mjs'), 'utf8')
    .replace("import { makeData, rng } from './data.mjs';", "import fs from 'node:fs';\nimport { makeData, rng } from './data.mjs';")
    // A component the model never reads: its ablation changes nothing.
    .replace('  lr: 0.03, // @knob', '  spare: true, // @ablate false\n  lr: 0.03, // @knob')
    .replace(
      /^const valLoss = mse\(val\);$/m,
      "if (config.lr > 0.05) fs.appendFileSync('data.mjs', '\\n// rewritten during the run\\n');\nconst valLoss = mse(val);",
    );
  const sandbox = fastSandbox({ 'train.mjs': script });
  // 3 ablations, their interaction, lr 0.06 (invalid), lr 0.015.
  await runLoop(options(sandbox, { decision: 'noise-aware', baselineRuns: 3, ablationRuns: 2, interactionTop: 2, maxExperiments: 6 }), {
    db,
    policy: createPolicy('noise-aware'),
  });
  // 3 ablations, lr 0.06 (invalid), lr 0.015 kept and re-measured, lr 0.0075 kept as the last decision.
  await runLoop(options(sandbox, { baselineRuns: 2, ablationRuns: 1, interactionTop: 0, maxExperiments: 6 }), { db, policy: intervalRule });
});

async function run(command: typeof reportCommand, args: string[]): Promise<string> {
  let text = '';
  const stdout = { write: (chunk: string) => ((text += chunk), true), isTTY: false, columns: 0, on: () => stdout } as unknown as Stdout;
  assert.equal(await command([...args, '--db', db], stdout), 0);
  return text;
}
const report = async (session: number) => JSON.parse(await run(reportCommand, ['--session', String(session), '--format', 'json'])) as Record<string, any>;

function rowsOf(session: number): ExperimentRow[] {
  const raw = new Database(db, { readonly: true });
  try {
    return raw.prepare('SELECT * FROM experiments WHERE session_id = ? ORDER BY id').all(session) as ExperimentRow[];
  } finally {
    raw.close();
  }
}
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const close = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
const headRuns = (rows: ExperimentRow[], commit: string) =>
  rows.filter((e) => (e.kind === 'baseline' || e.kind === 'control') && e.base_commit === commit && e.status === 'done').map((e) => e.metric!);

test('learned: significant effects, the dispensable component with what the session could have seen, the invalid run, the cost, what to try', async () => {
  const r = await report(1);
  const rows = rowsOf(1);
  const l = r.learned;
  assert.deepEqual(
    l.effects.map((e: any) => [e.component, e.verdict]),
    [
      ['bias', 'needed'],
      ['features', 'needed'],
    ],
  );
  assert.deepEqual(
    l.interactions.map((i: any) => `${i.a}+${i.b}`),
    r.interactions.filter((i: any) => i.significant).map((i: any) => `${i.a}+${i.b}`),
  );

  // spare is read nowhere: not significant, and the bound says how small an effect could hide.
  assert.deepEqual(
    l.dispensable.map((d: any) => d.component),
    ['spare'],
  );
  const spare = l.dispensable[0];
  const table = r.effects.find((e: any) => e.component === 'spare');
  close(spare.half_width, (table.ci_high - table.ci_low) / 2, 'half-width of the interval');
  // MDE at 80% = (t crit + t 0.80) × SE, SE = half-width / t crit, with the Bonferroni split over the table's 3 rows.
  const tCrit = tQuantile(1 - 0.05 / 3 / 2, spare.df);
  assert.ok(Math.abs(spare.mde80 - spare.half_width * (1 + tQuantile(0.8, spare.df) / tCrit)) < 1e-9, `mde80 ${spare.mde80}`);
  assert.ok(spare.mde80 > spare.half_width);

  const invalid = rows.filter((e) => e.status === 'invalid');
  assert.equal(invalid.length, 1);
  assert.deepEqual(
    l.invalid.map((i: any) => [i.experiment, i.description]),
    [[invalid[0]!.id, 'tweak lr: 0.03 -> 0.06']],
  );
  assert.match(l.invalid[0].reason, /it changed data\.mjs during the run/);

  const ended = rows.filter((e) => e.started_at && e.ended_at);
  const hours = ended.reduce((s, e) => s + (Date.parse(e.ended_at!) - Date.parse(e.started_at!)) / 1000, 0) / 3600;
  assert.ok(hours > 0 && Math.abs(l.cost.gpu_hours - hours) < 1e-9, `GPU hours ${l.cost.gpu_hours} vs ${hours}`);
  assert.equal(l.cost.runs, rows.filter((e) => ['done', 'crashed', 'timeout', 'diverged', 'invalid'].includes(e.status)).length);
  assert.deepEqual([l.cost.tokens_in, l.cost.tokens_out, l.cost.cost_usd, l.cost.llm_turns], [0, 0, 0, null], 'the planner spends no tokens');

  const next = (rule: string) => l.next.filter((s: any) => s.rule === rule).map((s: any) => s.subject);
  assert.deepEqual(next('untried-knob'), ['epochs']);
  assert.deepEqual(next('untested-pair'), [], 'the two significant components were ablated together');
  assert.ok(spare.mde80 > 2 * spare.noise_sd, 'three runs against a noisy table: a 2-SD effect could have hidden');
  assert.deepEqual(next('wide-interval'), ['spare']);
  const runs = Number(/about (\d+) runs of it would see a 2-SD effect/.exec(l.next.find((s: any) => s.rule === 'wide-interval').text)?.[1]);
  assert.ok(runs > 3, `more runs than the 3 it had: ${runs}`);

  const md = await run(reportCommand, ['--session', '1']);
  assert.ok(md.indexOf('## What was learned') < md.indexOf('## Summary'), 'what was learned comes first');
  assert.ok(md.includes(`- #${invalid[0]!.id} tweak lr: 0.03 -> 0.06: ${invalid[0]!.reason}`), md);
  assert.match(md, /- bias \(true -> false\): needed, ablating it worsens val_loss by \+[0-9.]+ \[/);
  assert.ok(md.includes('- epochs was never tweaked (untried-knob)'));
  assert.match(md, /- spare \(true -> false\): Δ [-+0-9.e]+ \[.*\] over 3 runs; effects beyond ±[0-9.e-]+ are ruled out/);
  assert.ok(md.includes('Rules: knob-direction:'));
});

test('kept changes: Δ at decision and Δ re-measured, each from the rows, in the report, show and log; baseline means the current one', async () => {
  const r = await report(2);
  const rows = rowsOf(2);
  const kept = rows.filter((e) => e.decision === 'keep');
  assert.deepEqual(
    kept.map((e) => e.description),
    ['tweak lr: 0.03 -> 0.015', 'tweak lr: 0.015 -> 0.0075'],
  );
  const [first, second] = kept as [ExperimentRow, ExperimentRow];
  const previous = headRuns(rows, first.base_commit);
  const fresh = headRuns(rows, first.commit_sha!);
  assert.deepEqual([previous.length, fresh.length, headRuns(rows, second.commit_sha!).length], [2, 2, 0]);
  // By hand: the pooled two-sample interval of the fresh runs against the baseline's.
  const diff = mean(fresh) - mean(previous);
  const ss = (xs: number[]) => xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0);
  const half = tQuantile(0.975, 2) * Math.sqrt(((ss(fresh) + ss(previous)) / 2) * (1 / 2 + 1 / 2));

  const [k1, k2] = r.kept;
  close(k1.delta_at_decision, first.delta!, 'Δ at decision');
  close(k1.at_decision.ci_low, first.ci_low!, 'its interval');
  close(k1.delta_remeasured, diff, 'Δ re-measured');
  close(k1.remeasured.ci_low, diff - half, 'low');
  close(k1.remeasured.ci_high, diff + half, 'high');
  close(k2.delta_at_decision, second.delta!, 'Δ at decision');
  assert.equal(k2.delta_remeasured, null, 'the last keep was not re-measured before the session ended');
  assert.deepEqual(
    r.learned.kept.map((k: any) => [k.experiment, k.delta_at_decision, k.at_decision_ci, k.delta_remeasured, k.remeasured_ci]),
    [
      [first.id, first.delta, [first.ci_low, first.ci_high], k1.delta_remeasured, [k1.remeasured.ci_low, k1.remeasured.ci_high]],
      [second.id, second.delta, [second.ci_low, second.ci_high], null, null],
    ],
  );

  // "Baseline" is the current one (the last keep's commit, still being measured); the start is the first.
  assert.deepEqual([r.baseline.mean, r.baseline.n, r.baseline.experiment, r.baseline.commit], [null, 0, second.id, second.commit_sha]);
  close(r.start.mean, mean(headRuns(rows, rows[0]!.base_commit)), 'the start');

  // A kept change's direction: lr went down twice and was kept, so further down comes next.
  assert.deepEqual(
    r.learned.next.filter((s: any) => s.rule === 'knob-direction').map((s: any) => s.text),
    [`lr: 0.015 -> 0.0075 was kept (#${second.id}): try lr 0.00375 next (further down)`],
  );

  const md = await run(reportCommand, ['--session', '2']);
  assert.ok(md.includes('| # | change | mean of its runs | runs | Δ at decision | interval | p | Δ re-measured | interval | commit |'));
  assert.match(md, /\| baseline \| being measured \(the commit of #\d+, measured afresh\) \|/);
  assert.ok(md.includes(`#${second.id} tweak lr: 0.015 -> 0.0075: Δ at decision`) && md.includes('Δ re-measured: not measured yet'));

  const shown = await run(showCommand, [String(first.id)]);
  assert.match(shown, new RegExp(`delta +Δ at decision ${first.delta! < 0 ? '-' : '\\+'}[0-9.e-]+ vs the baseline it was decided on`));
  assert.match(
    shown,
    /\n {12}Δ re-measured [-+][0-9.e-]+: [0-9.e-]+ over 2 fresh runs of its commit vs [0-9.e-]+ over 2 runs of the baseline it replaced · 95% CI/,
  );
  assert.doesNotMatch(await run(showCommand, [String(second.id)]), /Δ re-measured/);

  const log = await run(logCommand, ['--session', '2', '--format', 'table']);
  assert.match(log.split('\n')[0]!, /Δ decided/);
  assert.match((await run(logCommand, ['--session', '2'])).split('\n')[0]!, /\tdelta\t/, 'machine formats keep the column name');
});

test('cost: GPU hours count each GPU a run held; a run with none recorded counts as one', () => {
  const rows = readLog(db).rows.filter((e) => e.session_id === 1 && e.started_at && e.ended_at);
  const session = readLog(db).sessions[0]!;
  const one = summarize(session, rows, {}).learned.cost.gpu_hours;
  assert.ok(one > 0);
  const two = summarize(
    session,
    rows.map((e, i) => ({ ...e, gpus: i === 0 ? '2,3' : '0' })),
    {},
  ).learned.cost.gpu_hours;
  const first = (Date.parse(rows[0]!.ended_at!) - Date.parse(rows[0]!.started_at!)) / 3600_000;
  assert.ok(Math.abs(two - (one + first)) < 1e-9, `${two} vs ${one} + ${first}`);
});

test("cost: an LLM's tokens and dollars come from its llm_turns, every request counted", () => {
  const { sessions, rows } = readLog(db);
  const llmTurns = { turns: 3, errors: 1, tokensIn: 12_000, tokensOut: 900, costUsd: 0.42, pendingTurns: 0 };
  const r = summarize(
    sessions[0]!,
    rows.filter((e) => e.session_id === 1),
    { llmTurns },
  );
  assert.deepEqual([r.learned.cost.tokens_in, r.learned.cost.tokens_out, r.learned.cost.cost_usd, r.learned.cost.llm_turns], [12_000, 900, 0.42, 3]);
  assert.match(reportMarkdown(r, null), /; Claude: 12000 tokens in, 900 out over 3 requests, \$0\.42\./);
});
