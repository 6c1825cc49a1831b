/**
 * The decision rules driven through the real loop (real processes, git, SQLite) on the
 * simulated sandbox, where the truth is known:
 *   1. null: every change is a no-op → how often each rule keeps one (false keeps);
 *   2. power: every change is a true improvement of 2 noise SDs → how often it is kept, and
 *      how many runs a candidate costs;
 *   3. planted: the offline planner's ablation study on several plantings and noise levels →
 *      are the planted effects and the planted interaction found, and is any null flagged?
 *
 *   npx tsx bench/decisions-real-loop.ts [--decisions 200] [--power-decisions 100]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { effectFamilies } from '../agent/analysis/session-effects.ts';
import { sessionOptions } from '../agent/loop/options.ts';
import { Planner } from '../agent/proposers/planner.ts';
import type { Proposer } from '../agent/proposers/types.ts';
import type { ExperimentRow } from '../agent/store/types.ts';
import { saltProposer } from './lib/salt-proposer.ts';
import { benchSession } from './lib/session.ts';

const { values: flags } = parseArgs({ options: { decisions: { type: 'string', default: '200' }, 'power-decisions': { type: 'string', default: '100' } } });
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
    fs.readFileSync(train, 'utf8').replace('export const config = {', 'export const config = {\n  salt: 0, // @knob 0..1000000 int\n  step: 0, // @knob 0..100000 int'),
  );
  fs.writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
  return dir;
}

async function session(dir: string, rule: string, proposer: Proposer, until: (rows: ExperimentRow[]) => boolean, limit: number, baselineRuns = 3) {
  const dbPath = path.join(dir + '.db');
  const { db, experiments, opened, bus, loop } = await benchSession(dbPath, sessionOptions(dir, { budgetS: 5, graceS: 5, decision: rule, baselineRuns }), () => proposer);
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
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const started = performance.now();
console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}; noise SD ${NOISE}`);
console.log('\nrule         baseline  scenario   decisions  kept    runs/candidate');
for (const [rule, baselineRuns] of [['noise-aware', 3], ['noise-aware', 5], ['greedy', 3]] as const) {
  const label = `${rule.padEnd(12)} ${String(baselineRuns).padEnd(9)}`;
  const n = Number(flags.decisions);
  const nullRows = await session(sandbox(`null-${rule}-${baselineRuns}`, { base: 1.9, noiseSd: NOISE }), rule, saltProposer(1), (r) => decided(r).length >= n, 20 * n, baselineRuns);
  const keptNull = decided(nullRows).filter((e) => e.decision === 'keep').length;
  console.log(`${label} null       ${String(decided(nullRows).length).padEnd(10)} ${pct(keptNull / decided(nullRows).length).padEnd(7)} ${runsPer(nullRows).toFixed(2)}`);

  const p = Number(flags['power-decisions']);
  const gains = Object.fromEntries(Array.from({ length: p + 10 }, (_, i) => [String(i), -2 * NOISE * i]));
  const powerRows = await session(sandbox(`power-${rule}-${baselineRuns}`, { base: 1.9, noiseSd: NOISE, knobs: { step: { values: gains } } }), rule, saltProposer(1), (r) => decided(r).length >= p, 20 * p, baselineRuns);
  const keptPower = decided(powerRows).filter((e) => e.decision === 'keep').length;
  console.log(`${label} 2-SD gain  ${String(decided(powerRows).length).padEnd(10)} ${pct(keptPower / decided(powerRows).length).padEnd(7)} ${runsPer(powerRows).toFixed(2)}`);
}

// Planted effects through the offline planner: several plantings, two noise levels.
const plantings = [
  { name: 'A', effects: { residual: { false: 0.08 }, layerNorm: { false: 0.04 }, posEncoding: { none: 0.03 } }, pair: ['residual', 'layerNorm', 0.05] },
  { name: 'B', effects: { layerNorm: { false: 0.06 }, gelu: { false: 0.05 }, posEncoding: { learned: 0.04 } }, pair: ['layerNorm', 'gelu', -0.04] },
  { name: 'C', effects: { bias: { false: 0.05 }, residual: { false: 0.1 }, gelu: { false: 0.03 } }, pair: ['residual', 'bias', 0.06] },
] as const;
console.log('\nplanting noise  effects found  nulls flagged  interaction (planted -> estimate [CI], found)');
for (const noise of [0.005, 0.01]) {
  for (const p of plantings) {
    const [a, b, size] = p.pair;
    const truth = { base: 1.9, noiseSd: noise, effects: p.effects, interactions: [{ when: { [a]: false, [b]: false }, effect: size }] };
    const rows = await session(sandbox(`planted-${p.name}-${noise}`, truth), 'noise-aware', new Planner({ ablationRuns: 3, interactionTop: 3 }), (r) => r.some((e) => e.kind === 'tweak'), 200);
    const families = effectFamilies(rows);
    const effects = families.flatMap((f) => f.result.effects);
    const planted = Object.entries(p.effects).flatMap(([c, v]) => Object.keys(v).map((to) => ({ c, to })));
    const latest = (c: string, to: string) => effects.filter((e) => e.component === c && e.change.endsWith(`-> ${to === 'false' ? 'false' : `'${to}'`}`)).at(-1);
    const found = planted.filter(({ c, to }) => latest(c, to)?.significant).length;
    const nulls = effects.filter((e) => !planted.some(({ c, to }) => e.component === c && e.change.endsWith(to === 'false' ? '-> false' : `'${to}'`)));
    const flagged = nulls.filter((e) => e.significant).length;
    const inter = families.flatMap((f) => f.result.interactions).find((i) => [i.a, i.b].sort().join() === [a, b].sort().join());
    const interText = inter
      ? `${size} -> ${inter.interaction.toFixed(3)} [${inter.ciLow?.toFixed(3)}, ${inter.ciHigh?.toFixed(3)}], ${inter.significant ? 'found' : 'MISSED'}`
      : 'pair not tested';
    console.log(`${p.name.padEnd(8)} ${String(noise).padEnd(6)} ${`${found}/${planted.length}`.padEnd(14)} ${`${flagged}/${nulls.length}`.padEnd(14)} ${interText}`);
  }
}
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
fs.rmSync(work, { recursive: true, force: true });
