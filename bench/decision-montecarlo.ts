/**
 * Monte-Carlo of the decision rules alone (no loop, no processes): how often each rule keeps a
 * change that does nothing, how often it keeps a true improvement of 2 noise SDs, and how many
 * runs a candidate costs. Run: npx tsx bench/decision-montecarlo.ts [--quick]
 *
 * Noise is N(0, 1) per run, so effects read in noise SDs; the goal is minimize. Scenarios:
 * - fresh-cold: every decision against a freshly measured baseline, nothing else known about
 *   the noise (the first decision of a session).
 * - fresh-warm: the same, plus 10 earlier groups of 3 runs for the noise estimate (a decision
 *   mid-session, judged alone).
 * - session: 200 decisions in a row as the loop schedules them: after a keep the new baseline is
 *   measured afresh over `baselineRuns` new seeds (a keep's own runs stay their own group), the
 *   policy's headRuns tops it up after reverts, a control run is added every 10 decisions, and
 *   every group with two or more runs joins the noise groups. For power, every candidate is a
 *   true improvement, so the kept ones stack up.
 * `seedCorrelation` ρ gives each seed a shared component √ρ·z_seed, the same in every
 * configuration (real training with a fixed seed is correlated across small changes).
 */
import { pathToFileURL } from 'node:url';
import { GreedyPolicy } from '../agent/decide/greedy.ts';
import { NoiseAwarePolicy } from '../agent/decide/noise-aware.ts';
import { sameSeedDifferences } from '../agent/decide/comparison.ts';
import type { DecisionPolicy, Measurement } from '../agent/decide/types.ts';
import { gaussian, mulberry32 } from '../agent/stats/random.ts';

export type Scenario = 'fresh-cold' | 'fresh-warm' | 'session';

export interface SimulationSpec {
  policy: DecisionPolicy;
  scenario: Scenario;
  baselineRuns: number;
  /** True effect of a real candidate in noise SDs; negative is better (minimize). */
  effect: number;
  /** Share of candidates that carry `effect`; the rest do nothing (default 1). */
  realShare?: number;
  /** Independent decisions for the fresh scenarios; sessions × 200 decisions for 'session'. */
  decisions: number;
  seed: number;
  seedCorrelation?: number;
  /** Every candidate only removes something: the rule may keep it as "simpler and not worse". */
  simplifies?: boolean;
  /**
   * Session only: before anything else an ablation whose runs spread this many times wider is
   * decided on 3 runs (as the real-loop bench's unstable ablation), not counted in the tallies.
   */
  unstableScale?: number;
  /** Session only: decisions per session (default 200); a short one measures a session's start, before the noise and the pairing are known. */
  sessionLength?: number;
}

export interface SimulationResult {
  /** Keeps among candidates that do nothing, and how many there were. */
  falseKeepRate: number;
  nullDecisions: number;
  /** Keeps among candidates with the effect, and how many there were. */
  power: number;
  realDecisions: number;
  runsPerCandidate: number;
  /** Share of final verdicts (keep or revert) whose test was paired by seed. */
  pairedShare: number;
  /** Session only: every run per decision, the baseline's (start, after keeps, top-ups, controls) included. */
  runsPerDecision: number;
}

const SESSION_LENGTH = 200;
const CONTROL_EVERY = 10;
const WARM_GROUPS = 10;

export function simulate(spec: SimulationSpec): SimulationResult {
  const rng = mulberry32(spec.seed);
  const normal = gaussian(rng);
  const rho = spec.seedCorrelation ?? 0;
  let seedShared = new Map<number, number>();
  const runAt = (mean: number, seed: number, scale = 1): Measurement => {
    let shared = seedShared.get(seed);
    if (shared === undefined) seedShared.set(seed, (shared = normal()));
    return { seed, value: mean + scale * (Math.sqrt(rho) * shared + Math.sqrt(1 - rho) * normal()) };
  };
  const measureBaseline = (mean: number) => spec.policy.baselineSeeds(spec.baselineRuns).map((s) => runAt(mean, s));

  const realShare = spec.realShare ?? 1;
  const tally = { nullKeeps: 0, nulls: 0, realKeeps: 0, reals: 0, runs: 0, headRuns: 0, paired: 0 };
  let truth = 0;
  let baseline: Measurement[] = [];
  let noiseGroups: Measurement[][] = [];
  // As the loop gives it: each earlier candidate's same-seed differences against its baseline.
  let pairedGroups: number[][] = [];
  let committed: number[] = [];
  let tried = 0;
  const decideOne = (unstable?: number) => {
    const real = unstable === undefined && spec.effect !== 0 && rng() < realShare;
    const candidateMean = truth + (real ? spec.effect : 0);
    const scale = unstable ?? 1;
    const candidate: Measurement[] = [runAt(candidateMean, spec.policy.screenSeed({ baseline, index: tried++ }), scale)];
    const simplifies = unstable === undefined && spec.simplifies === true;
    const minRuns = unstable === undefined ? 1 : 3;
    for (;;) {
      const best = spec.policy.name === 'greedy' ? Math.min(...committed) : undefined;
      const d = spec.policy.decide({ goal: 'minimize', baseline, noiseGroups, pairedGroups, candidate, bestSingle: best, minRuns, simplifies });
      if (d.verdict === 'confirm') {
        candidate.push(runAt(candidateMean, d.seed, scale));
        continue;
      }
      const keep = d.verdict === 'keep';
      if (unstable !== undefined) return { keep, candidateMean, candidate };
      tally.runs += candidate.length;
      if (d.stats.noise?.method === 'paired') tally.paired++;
      if (real) {
        tally.reals++;
        if (keep) tally.realKeeps++;
      } else {
        tally.nulls++;
        if (keep) tally.nullKeeps++;
      }
      return { keep, candidateMean, candidate };
    }
  };

  if (spec.scenario === 'session') {
    const length = spec.sessionLength ?? SESSION_LENGTH;
    const sessions = Math.max(1, Math.round(spec.decisions / length));
    for (let s = 0; s < sessions; s++) {
      seedShared = new Map();
      truth = 0;
      baseline = measureBaseline(truth);
      noiseGroups = [];
      pairedGroups = [];
      committed = baseline.map((m) => m.value);
      let seedMax = spec.baselineRuns;
      let sinceControl = 0;
      const control = () => {
        const run = runAt(truth, ++seedMax);
        baseline = [...baseline, run];
        committed.push(run.value);
        sinceControl = 0;
        tally.headRuns++;
      };
      let reverts = 0;
      for (let i = spec.unstableScale === undefined ? 0 : -1; i < length; i++) {
        while (baseline.length < spec.policy.headRuns(spec.baselineRuns, reverts)) control();
        if (sinceControl >= CONTROL_EVERY) control();
        const { keep, candidateMean, candidate } = decideOne(i < 0 ? spec.unstableScale : undefined);
        sinceControl++;
        seedMax = Math.max(seedMax, ...candidate.map((m) => m.seed));
        if (candidate.length > 1) noiseGroups.push(candidate);
        const differences = sameSeedDifferences(baseline, candidate);
        if (differences.length > 1) pairedGroups.push(differences);
        if (keep) {
          committed.push(...candidate.map((m) => m.value));
          if (baseline.length > 1) noiseGroups.push(baseline);
          truth = candidateMean;
          reverts = 0;
          baseline = [];
          for (let k = 0; k < spec.baselineRuns; k++) control();
        } else reverts++;
      }
    }
  } else {
    for (let i = 0; i < spec.decisions; i++) {
      seedShared = new Map();
      baseline = measureBaseline(truth);
      committed = baseline.map((m) => m.value);
      noiseGroups =
        spec.scenario === 'fresh-warm'
          ? Array.from({ length: WARM_GROUPS }, (_, k) => [0, 1, 2].map((j) => ({ seed: 1000 + 3 * k + j, value: normal() })))
          : [];
      decideOne();
    }
  }
  const t = tally;
  return {
    falseKeepRate: t.nullKeeps / t.nulls,
    nullDecisions: t.nulls,
    power: t.realKeeps / t.reals,
    realDecisions: t.reals,
    runsPerCandidate: t.runs / (t.nulls + t.reals),
    pairedShare: t.paired / (t.nulls + t.reals),
    runsPerDecision: (t.runs + t.headRuns) / (t.nulls + t.reals),
  };
}

interface Cell {
  label: string;
  spec: Omit<SimulationSpec, 'policy' | 'baselineRuns' | 'effect' | 'decisions' | 'seed'>;
  mixed?: boolean;
}

const CELLS: Cell[] = [
  { label: 'fresh-cold', spec: { scenario: 'fresh-cold' } },
  { label: 'fresh-warm', spec: { scenario: 'fresh-warm' } },
  { label: 'fresh-warm ρ=0.5', spec: { scenario: 'fresh-warm', seedCorrelation: 0.5 } },
  { label: 'session', spec: { scenario: 'session' } },
  { label: 'session, 10% real', spec: { scenario: 'session', realShare: 0.1 }, mixed: true },
];

/** The real-noise settings, all sessions of the noise-aware rule on a 5-run baseline. */
const REAL_NOISE: { label: string; spec: Partial<SimulationSpec> }[] = [
  { label: 'ρ 0', spec: { seedCorrelation: 0 } },
  { label: 'ρ 0.5', spec: { seedCorrelation: 0.5 } },
  { label: 'ρ 0.8', spec: { seedCorrelation: 0.8 } },
  { label: 'ρ 0, one ablation 20× noisier', spec: { seedCorrelation: 0, unstableScale: 20 } },
  { label: 'ρ 0, first 20 decisions', spec: { seedCorrelation: 0, sessionLength: 20 } },
  { label: 'ρ 0.5, first 20 decisions', spec: { seedCorrelation: 0.5, sessionLength: 20 } },
  { label: 'ρ 0.8, first 20 decisions', spec: { seedCorrelation: 0.8, sessionLength: 20 } },
];
const MARGINS = [0.5, 1];

function main(): void {
  const quick = process.argv.includes('--quick');
  const n = quick ? 2000 : 20000;
  const started = Date.now();
  if (!process.argv.includes('--real-noise-only')) ruleTable(n);
  realNoiseTable(n);
  const options = JSON.stringify(new NoiseAwarePolicy().options);
  console.log(`\n${n} decisions per cell (sessions of ${SESSION_LENGTH}); noise-aware ${options}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function ruleTable(n: number): void {
  const policies: DecisionPolicy[] = [new NoiseAwarePolicy(), new GreedyPolicy()];
  const rows: string[][] = [
    ['scenario', 'baseline n', 'rule', 'false keeps', 'runs/cand (no-op)', 'power at 2 SD', 'runs/cand (2 SD)', 'runs/decision (no-op, 2 SD)'],
  ];
  for (const cell of CELLS) {
    for (const baselineRuns of [3, 5]) {
      for (const policy of policies) {
        const base = { ...cell.spec, policy, baselineRuns, decisions: n };
        if (cell.mixed) {
          const mix = simulate({ ...base, effect: -2, seed: 3 });
          rows.push([
            cell.label,
            String(baselineRuns),
            policy.name,
            pct(mix.falseKeepRate),
            '',
            pct(mix.power),
            `${mix.runsPerCandidate.toFixed(2)} (all)`,
            perDecision(mix),
          ]);
          continue;
        }
        const nul = simulate({ ...base, effect: 0, seed: 1 });
        const pow = simulate({ ...base, effect: -2, seed: 2 });
        rows.push([
          cell.label,
          String(baselineRuns),
          policy.name,
          pct(nul.falseKeepRate),
          nul.runsPerCandidate.toFixed(2),
          pct(pow.power),
          pow.runsPerCandidate.toFixed(2),
          cell.spec.scenario === 'session' ? `${perDecision(nul)}, ${perDecision(pow)}` : '',
        ]);
      }
    }
  }
  print(rows);
}

/**
 * The settings of issue 14, as sessions: no-ops and 2-SD gains per seed correlation and with one
 * unstable ablation; simplifications truly neutral and 1 SD worse at each margin.
 */
function realNoiseTable(n: number): void {
  const rows: string[][] = [['\nsetting (session, baseline 5)', 'no-ops kept', 'runs/cand', '2-SD gains kept', 'runs/cand', 'paired']];
  const session = { scenario: 'session' as const, baselineRuns: 5, decisions: n, policy: new NoiseAwarePolicy() };
  for (const { label, spec } of REAL_NOISE) {
    const nul = simulate({ ...session, ...spec, effect: 0, seed: 21 });
    const pow = simulate({ ...session, ...spec, effect: -2, seed: 22 });
    rows.push([label, pct(nul.falseKeepRate), nul.runsPerCandidate.toFixed(2), pct(pow.power), pow.runsPerCandidate.toFixed(2), pct(pow.pairedShare)]);
  }
  print(rows);
  const simple: string[][] = [['\nsimplifications (session, baseline 5)', 'neutral kept', 'runs/cand', '1 SD worse kept', 'runs/cand', 'paired']];
  for (const margin of MARGINS) {
    const policy = new NoiseAwarePolicy({ simplifyMarginSd: margin });
    for (const { label, spec } of REAL_NOISE.filter((r) => r.spec.unstableScale === undefined && r.spec.sessionLength === undefined)) {
      const base = { ...session, ...spec, policy, simplifies: true };
      // "Kept" for a simplification is counted over its own decisions, both as no-op and as a cost.
      const neutral = simulate({ ...base, effect: 0, seed: 23 });
      const worse = simulate({ ...base, effect: 1, seed: 24 });
      simple.push([
        `margin ${margin} SD, ${label}`,
        pct(neutral.falseKeepRate),
        neutral.runsPerCandidate.toFixed(2),
        pct(worse.power),
        worse.runsPerCandidate.toFixed(2),
        pct(neutral.pairedShare),
      ]);
    }
  }
  print(simple);
}

function print(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const perDecision = (r: SimulationResult) => r.runsPerDecision.toFixed(2);

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
