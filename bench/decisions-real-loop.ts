/**
 * The decision rules driven through the real loop (real processes, git, SQLite) on the
 * simulated sandbox, where the truth is known:
 *   1. null: every change is a no-op → how often each rule keeps one (false keeps);
 *   2. power: every change is a true improvement of 2 noise SDs → how often it is kept, and
 *      how many runs a candidate costs;
 *   3. planted: the offline planner's ablation study on several plantings and noise levels →
 *      are the planted effects and the planted interaction found, and is any null flagged?
 *
 *   npx tsx bench/decisions-real-loop.ts [--decisions 200] [--power-decisions 200]
 *     [--rules noise-aware:5,greedy:5,noise-aware:3,greedy:3] [--scenarios null,2-SD gain,25% 2-SD gain] [--no-planted]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { effectFamilies } from '../agent/analysis/session-effects.ts';
import { sessionOptions } from '../agent/loop/options.ts';
import { Planner } from '../agent/proposers/planner.ts';
import type { Proposer } from '../agent/proposers/types.ts';
import { FINISHED_STATUSES, type ExperimentRow } from '../agent/store/types.ts';
import { saltProposer } from './lib/salt-proposer.ts';
import { benchSession } from './lib/session.ts';

const { values: flags } = parseArgs({
  options: {
    decisions: { type: 'string', default: '200' },
    'power-decisions': { type: 'string', default: '200' },
    rules: { type: 'string', default: 'noise-aware:5,greedy:5,noise-aware:3,greedy:3' },
    scenarios: { type: 'string', default: 'null,2-SD gain,25% 2-SD gain' },
    'no-planted': { type: 'boolean', default: false },
  },
});
const SIM = path.join(import.meta.dirname, 'sim-sandbox');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-decisions-'));
const NOISE = 0.01;

/** The sim sandbox with two extra knobs: `salt` (no effect: fresh noise per change) and `step`. */
function sandbox(name: string, truth: object): string {
  const dir = path.join(work, name);
  fs.cpSync(SIM, dir, { recursive: true });
  const train = path.join(dir, 'train.mjs');
  fs.writeFileSync(
    train,
    fs
      .readFileSync(train, 'utf8')
      .replace('export const config = {', 'export const config = {\n  salt: 0, // @knob 0..1000000 int\n  step: 0, // @knob 0..100000 int'),
  );
  fs.writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
  return dir;
}

async function session(dir: string, rule: string, proposer: Proposer, until: (rows: ExperimentRow[]) => boolean, limit: number, baselineRuns = 5) {
  const dbPath = path.join(`${dir}.db`);
  const { db, experiments, opened, bus, loop } = await benchSession(
    dbPath,
    sessionOptions(dir, { budgetS: 5, graceS: 5, decision: rule, baselineRuns }),
    () => proposer,
  );
  bus.subscribe((e) => {
    if (e.type === 'decided' || e.type === 'run-finished') {
      const rows = experiments.forSession(opened.session.id);
      if (until(rows) || rows.length >= limit) loop.requestStop();
    }
  });
  await loop.run();
  const rows = experiments.forSession(opened.session.id);
  db.close();
  return rows;
}

const decided = (rows: ExperimentRow[]) => rows.filter((e) => e.decision === 'keep' || e.decision === 'revert');
const runsPer = (rows: ExperimentRow[]) => {
  const c = decided(rows);
  return (c.length + rows.filter((e) => e.kind === 'confirm' && c.some((x) => x.id === e.parent_id)).length) / c.length;
};
/** Every finished run per decision: the baseline's (start, after keeps, top-ups, controls) too. */
const allRunsPer = (rows: ExperimentRow[]) => rows.filter((e) => FINISHED_STATUSES.includes(e.status)).length / decided(rows).length;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const started = performance.now();
console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; noise SD ${NOISE}`);
console.log('\nrule         baseline  scenario       decisions  no-ops kept     real gains kept  runs/candidate  runs/decision (all)');
/** A scenario's candidates: every `realShare`-th one a true 2-SD gain (it moves `step`), the rest no-ops. */
const scenarios = [
  { name: 'null', realShare: 0, decisions: Number(flags.decisions) },
  { name: '2-SD gain', realShare: 1, decisions: Number(flags['power-decisions']) },
  { name: '25% 2-SD gain', realShare: 0.25, decisions: Number(flags.decisions) },
];
const rules = flags.rules.split(',').map((r) => r.split(':') as [string, string]);
const chosen = scenarios.filter((c) => flags.scenarios.split(',').includes(c.name));
for (const [rule, baselineText] of rules) {
  const baselineRuns = Number(baselineText);
  for (const { name, realShare, decisions } of chosen) {
    const gains = Object.fromEntries(Array.from({ length: decisions + 10 }, (_, i) => [String(i), -2 * NOISE * i]));
    const truth = { base: 1.9, noiseSd: NOISE, knobs: { step: { values: gains } } };
    const dir = sandbox(`${name.replace(/\W+/g, '-')}-${rule}-${baselineRuns}`, truth);
    const rows = await session(dir, rule, saltProposer(1, realShare), (r) => decided(r).length >= decisions, 20 * decisions, baselineRuns);
    const real = decided(rows).filter((e) => e.description.startsWith('step'));
    const noOps = decided(rows).filter((e) => !e.description.startsWith('step'));
    const kept = (xs: ExperimentRow[]) => (xs.length === 0 ? '—' : `${pct(xs.filter((e) => e.decision === 'keep').length / xs.length)} of ${xs.length}`);
    console.log(
      `${rule.padEnd(12)} ${String(baselineRuns).padEnd(9)} ${name.padEnd(14)} ${String(decided(rows).length).padEnd(10)} ${kept(noOps).padEnd(15)} ${kept(real).padEnd(16)} ` +
        `${runsPer(rows).toFixed(2).padEnd(15)} ${allRunsPer(rows).toFixed(2)}`,
    );
  }
}

// Planted effects through the offline planner: several plantings, two noise levels.
const plantings = [
  { name: 'A', effects: { residual: { false: 0.08 }, layerNorm: { false: 0.04 }, posEncoding: { none: 0.03 } }, pair: ['residual', 'layerNorm', 0.05] },
  { name: 'B', effects: { layerNorm: { false: 0.06 }, gelu: { false: 0.05 }, posEncoding: { learned: 0.04 } }, pair: ['layerNorm', 'gelu', -0.04] },
  { name: 'C', effects: { bias: { false: 0.05 }, residual: { false: 0.1 }, gelu: { false: 0.03 } }, pair: ['residual', 'bias', 0.06] },
] as const;
if (!flags['no-planted']) {
  console.log('\nplanting noise  effects found  nulls flagged  interaction (planted -> estimate [CI], found)');
  for (const noise of [0.005, 0.01]) {
    for (const p of plantings) {
      const [a, b, size] = p.pair;
      const truth = { base: 1.9, noiseSd: noise, effects: p.effects, interactions: [{ when: { [a]: false, [b]: false }, effect: size }] };
      const rows = await session(
        sandbox(`planted-${p.name}-${noise}`, truth),
        'noise-aware',
        new Planner({ ablationRuns: 3, interactionTop: 3 }),
        (r) => r.some((e) => e.kind === 'tweak'),
        200,
      );
      const families = effectFamilies(rows);
      const effects = families.flatMap((f) => f.result.effects);
      const planted = Object.entries(p.effects).flatMap(([c, v]) => Object.keys(v).map((to) => ({ c, to })));
      const latest = (c: string, to: string) =>
        effects.filter((e) => e.component === c && e.change.endsWith(`-> ${to === 'false' ? 'false' : `'${to}'`}`)).at(-1);
      const found = planted.filter(({ c, to }) => latest(c, to)?.significant).length;
      const nulls = effects.filter((e) => !planted.some(({ c, to }) => e.component === c && e.change.endsWith(to === 'false' ? '-> false' : `'${to}'`)));
      const flagged = nulls.filter((e) => e.significant).length;
      const inter = families.flatMap((f) => f.result.interactions).find((i) => [i.a, i.b].sort().join() === [a, b].sort().join());
      const interText = inter
        ? `${size} -> ${inter.interaction.toFixed(3)} [${inter.ciLow?.toFixed(3)}, ${inter.ciHigh?.toFixed(3)}], ${inter.significant ? 'found' : 'MISSED'}`
        : 'pair not tested';
      console.log(
        `${p.name.padEnd(8)} ${String(noise).padEnd(6)} ${`${found}/${planted.length}`.padEnd(14)} ${`${flagged}/${nulls.length}`.padEnd(14)} ${interText}`,
      );
    }
  }
}
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
fs.rmSync(work, { recursive: true, force: true });
