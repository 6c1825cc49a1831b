/**
 * The decision rules and designs driven through the real loop (real processes, git, SQLite) on
 * the simulated sandbox, where the truth is known:
 *   1. rules: every change a no-op (false keeps), every change a true 2-SD gain (power, runs per
 *      candidate), a quarter of them gains — for each `--rules` entry, seeds uncorrelated;
 *   2. real noise: for each seed correlation (the seed-shared share of the noise variance): no-ops,
 *      2-SD gains, simplifications that are truly neutral and ones 1 SD worse; and, with one
 *      unstable ablation (20x noise) in the session, no-ops and 2-SD gains;
 *   3. designs: planted effects, one planted interaction and one planted redundancy pair, found by
 *      leave-one-out with pairs and by the fractional factorial: runs needed, found, nulls flagged.
 *
 *   npx tsx bench/decisions-real-loop.ts [--decisions 200] [--power-decisions 200] [--simplify-decisions 100]
 *     [--simplify-margins 0.5,1] [--rules greedy:5] [--correlations 0,0.5,0.8] [--no-unstable] [--designs loco,factorial]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { effectFamilies } from '../agent/analysis/session-effects.ts';
import { Planner } from '../agent/proposers/planner.ts';
import { FINISHED_STATUSES, type ExperimentRow } from '../agent/store/types.ts';
import { saltProposer, type SaltOptions } from './lib/salt-proposer.ts';
import { simSandbox, simSession } from './lib/sim.ts';

const { values: flags } = parseArgs({
  options: {
    decisions: { type: 'string', default: '200' },
    'power-decisions': { type: 'string', default: '200' },
    'simplify-decisions': { type: 'string', default: '100' },
    'simplify-margins': { type: 'string', default: '0.5,1' },
    rules: { type: 'string', default: 'greedy:5' },
    correlations: { type: 'string', default: '0,0.5,0.8' },
    'no-unstable': { type: 'boolean', default: false },
    designs: { type: 'string', default: 'loco,factorial' },
  },
});
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-decisions-'));
const NOISE = 0.01;
const list = (text: string) => text.split(',').filter((x) => x !== '');

const decided = (rows: ExperimentRow[]) => rows.filter((e) => (e.decision === 'keep' || e.decision === 'revert') && e.description !== 'ablate wobble');
const runsPer = (rows: ExperimentRow[]) => {
  const c = decided(rows);
  const ids = new Set(c.map((e) => e.id));
  return (c.length + rows.filter((e) => e.kind === 'confirm' && ids.has(e.parent_id ?? -1)).length) / c.length;
};
/** Every finished run per decision: the baseline's (start, after keeps, top-ups, controls) too. */
const allRunsPer = (rows: ExperimentRow[]) => rows.filter((e) => FINISHED_STATUSES.includes(e.status)).length / decided(rows).length;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kept = (xs: ExperimentRow[]) => (xs.length === 0 ? '—' : `${pct(xs.filter((e) => e.decision === 'keep').length / xs.length)} of ${xs.length}`);
const real = (rows: ExperimentRow[]) => decided(rows).filter((e) => e.description.startsWith('step'));
const noOps = (rows: ExperimentRow[]) => decided(rows).filter((e) => !e.description.startsWith('step'));

interface Scenario {
  name: string;
  /** Effect of one `step`, in noise SDs (negative: better). */
  stepSd: number;
  salt: SaltOptions;
  decisions: number;
}
const scenarios = {
  null: { name: 'no-op', stepSd: 0, salt: { stepBy: 0 }, decisions: Number(flags.decisions) },
  gain: { name: '2-SD gain', stepSd: -2, salt: { stepBy: 1 }, decisions: Number(flags['power-decisions']) },
  quarter: { name: '25% 2-SD gain', stepSd: -2, salt: { stepBy: 1, realShare: 0.25 }, decisions: Number(flags.decisions) },
  neutralSimpler: { name: 'simpler, neutral', stepSd: 0, salt: { stepBy: 0, simplifies: true }, decisions: Number(flags['simplify-decisions']) },
  worseSimpler: { name: 'simpler, 1 SD worse', stepSd: 1, salt: { stepBy: 1, simplifies: true }, decisions: Number(flags['simplify-decisions']) },
} satisfies Record<string, Scenario>;

async function measure(
  label: string,
  s: Scenario,
  truth: Record<string, unknown>,
  over: { decision?: string; baselineRuns?: number; simplifyMarginSd?: number } = {},
) {
  const gains = Object.fromEntries(Array.from({ length: s.decisions + 10 }, (_, i) => [String(i), s.stepSd * NOISE * i]));
  const dir = simSandbox(work, `${label}-${s.name}`.replace(/\W+/g, '-'), { base: 1.9, noiseSd: NOISE, knobs: { step: { values: gains } }, ...truth });
  const rows = await simSession(dir, saltProposer(s.salt), (r) => decided(r).length >= s.decisions, 25 * s.decisions, over);
  const paired = decided(rows).filter((e) => e.noise_json?.includes('"method":"paired"')).length;
  const scenarioKept = s.stepSd === 0 ? kept(noOps(rows)) : s.stepSd > 0 ? kept(real(rows)) : kept(real(rows));
  console.log(
    `${label.padEnd(22)} ${s.name.padEnd(20)} ${String(decided(rows).length).padEnd(10)} ${scenarioKept.padEnd(15)} ${s.salt.realShare ? `${kept(noOps(rows))} no-ops`.padEnd(22) : ''.padEnd(22)}` +
      `${runsPer(rows).toFixed(2).padEnd(15)} ${allRunsPer(rows).toFixed(2).padEnd(20)} ${pct(paired / Math.max(1, decided(rows).length))}`,
  );
}

const started = performance.now();
console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; noise SD ${NOISE}, baseline 5 runs`);
console.log('\nsetting                scenario             decisions  kept           (25%: no-ops kept)    runs/candidate  runs/decision (all)  paired');
for (const [rule, baselineText] of list(flags.rules).map((r) => r.split(':') as [string, string])) {
  for (const s of [scenarios.null, scenarios.gain, scenarios.quarter])
    await measure(`${rule}, rho 0`, s, {}, { decision: rule, baselineRuns: Number(baselineText) });
}
for (const rho of list(flags.correlations).map(Number)) {
  for (const s of [scenarios.null, scenarios.gain, scenarios.quarter]) await measure(`noise-aware, rho ${rho}`, s, { seedCorrelation: rho });
  for (const margin of list(flags['simplify-margins']).map(Number)) {
    for (const s of [scenarios.neutralSimpler, scenarios.worseSimpler]) {
      await measure(`rho ${rho}, margin ${margin} SD`, s, { seedCorrelation: rho }, { simplifyMarginSd: margin });
    }
  }
}
if (!flags['no-unstable']) {
  // One ablation (wobble -> false) makes training unstable: its runs spread 20 times wider.
  const unstable = { noiseScale: { wobble: { false: 20 } } };
  for (const s of [scenarios.null, scenarios.gain]) {
    await measure('unstable ablation 20x', { ...s, salt: { ...s.salt, unstableFirst: true } }, unstable);
  }
}

// Designs: planted effects, a planted interaction and a planted redundancy pair (gelu and bias do
// nothing alone and cost 0.06 together: each covers for the other).
const planted = {
  effects: { residual: { false: 0.08 }, layerNorm: { false: 0.04 }, posEncoding: { learned: 0, none: 0 }, gelu: { false: 0 }, bias: { false: 0 } },
  interactions: [
    { when: { residual: false, layerNorm: false }, effect: 0.05 },
    { when: { gelu: false, bias: false }, effect: 0.06 },
  ],
};
// Each pair in sorted order, as the comparisons below sort a table row's two names.
const pairs = [
  ['layerNorm', 'residual'],
  ['bias', 'gelu'],
];
if (list(flags.designs).length > 0) {
  console.log('\ndesign     noise  runs (all)  effects found  nulls flagged  interaction  redundancy pair  table');
  for (const design of list(flags.designs) as ('loco' | 'factorial')[]) {
    for (const noise of [0.005, 0.01]) {
      const dir = simSandbox(work, `design-${design}-${noise}`, { base: 1.9, noiseSd: noise, ...planted });
      const rows = await simSession(
        dir,
        new Planner({ ablationRuns: 3, interactionTop: 3, redundancyTop: 3, design }),
        (r) => r.some((e) => e.kind === 'tweak'),
        400,
        {
          design,
          simplifyMarginSd: 0,
        },
      );
      const runs = rows.filter((e) => e.kind !== 'tweak' && FINISHED_STATUSES.includes(e.status)).length;
      const families = effectFamilies(rows).filter((f) => f.design === design);
      const effects = families.flatMap((f) => f.result.effects);
      const latest = (c: string) => effects.filter((e) => e.component === c).at(-1);
      const found = ['residual', 'layerNorm'].filter((c) => latest(c)?.significant).length;
      const nulls = effects.filter((e) => !['residual', 'layerNorm'].includes(e.component));
      const interactions = families.flatMap((f) => f.result.interactions);
      const pair = (a: string, b: string) => {
        const row = interactions.filter((i) => [i.a, i.b].sort().join() === [a, b].join()).at(-1);
        return row ? `${row.interaction.toFixed(3)} ${row.significant ? 'found' : 'MISSED'}` : 'not tested';
      };
      const flaggedPairs = interactions.filter((i) => !pairs.some(([a, b]) => [i.a, i.b].sort().join() === [a, b].join()) && i.significant).length;
      console.log(
        `${design.padEnd(10)} ${String(noise).padEnd(6)} ${String(runs).padEnd(11)} ${`${found}/2`.padEnd(14)} ${`${nulls.filter((e) => e.significant).length + flaggedPairs}/${nulls.length + interactions.length - 2}`.padEnd(14)} ` +
          `${pair('layerNorm', 'residual').padEnd(12)} ${pair('bias', 'gelu').padEnd(16)} ${families.at(-1)?.label ?? 'none'}`,
      );
      const flagged = [
        ...nulls.filter((e) => e.significant).map((e) => `${e.component} ${e.delta.toFixed(3)}`),
        ...interactions.filter((i) => i.significant && !pairs.some(([a, b]) => [i.a, i.b].sort().join() === [a, b].join())).map((i) => `${i.a}×${i.b}`),
      ];
      if (flagged.length > 0) console.log(`           flagged: ${flagged.join(', ')}`);
    }
  }
}
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
fs.rmSync(work, { recursive: true, force: true });
