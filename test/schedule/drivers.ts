import type { DecisionPolicy } from '../../agent/decide/types.ts';
import { nextAction, type Rule, type Verdict } from '../../agent/schedule/next-action.ts';
import { inFlight } from '../../agent/schedule/physical.ts';
import { type Plan, plan } from '../../agent/schedule/plan.ts';
import type { Checkpoint } from '../../agent/schedule/checkpoint.ts';
import type { LimitCheck } from '../../agent/schedule/types.ts';
import { mulberry32 } from '../../agent/stats/random.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { type Change, World, type WorldOptions } from './world.ts';

/** One recorded verdict, as the tests compare them: ids replaced by the change they measured. */
export interface Recorded {
  key: string;
  base: string;
  verdict: 'keep' | 'revert';
  reason: string;
  stats: unknown;
}

export interface Setup {
  changes: readonly Change[];
  policy: DecisionPolicy;
  baselineRuns?: number;
  controlEvery?: number;
  world?: WorldOptions;
}

const ruleOf = (setup: Setup): Omit<Rule, 'head'> => ({
  baselineCommit: 'c0',
  goal: 'minimize',
  baselineRuns: setup.baselineRuns ?? 5,
  controlEvery: setup.controlEvery ?? 10,
  policy: setup.policy,
});

/** Run ids name runs; two schedules number their runs differently, so reasons are compared without them. */
const anonymous = (text: string): string => text.replace(/#\d+/g, '#');

function record(world: World, candidate: ExperimentRow, decision: Verdict, into: Recorded[]): void {
  const base = world.head;
  world.decide(candidate, decision);
  if (decision.reason.startsWith('superseded:')) return;
  const stats = decision.stats && { ...decision.stats, noise: decision.stats.noise && JSON.parse(anonymous(JSON.stringify(decision.stats.noise))) };
  into.push({ key: candidate.change_key!, base, verdict: decision.verdict, reason: anonymous(decision.reason), stats });
}

/** The sequential loop's rule, one run at a time, each run back before the next step (as loop.ts runs it). */
export function runSequential(setup: Setup): { world: World; verdicts: Recorded[] } {
  const world = new World(setup.changes, setup.world);
  const verdicts: Recorded[] = [];
  let next = 0;
  for (let step = 0; step < 100_000; step++) {
    const action = nextAction(world.rows, { ...ruleOf(setup), head: world.head });
    if (action.type === 'stop') break;
    if (action.type === 'verdict') {
      record(world, action.candidate, action.decision, verdicts);
      continue;
    }
    if (action.type === 'propose' && next >= setup.changes.length) break;
    const start =
      action.type === 'head'
        ? { type: 'head' as const, kind: action.kind, seed: action.seed, description: action.description }
        : action.type === 'confirm'
          ? { type: 'confirm' as const, candidate: action.candidate, seed: action.seed, reason: action.reason }
          : action.type === 'rerun'
            ? { type: 'rerun' as const, interrupted: action.interrupted }
            : { type: 'propose' as const, screenSeed: action.screenSeed, designSeed: action.designSeed };
    const created = world.create(start, start.type === 'propose' ? setup.changes[next++] : undefined);
    world.finish(created.id);
  }
  return { world, verdicts };
}

export interface ParallelOptions {
  slots: number;
  /** Seeds the order in which the runs in flight come back. */
  arrival: number;
  limit?: LimitCheck;
  /** Resume each plan from the last one's checkpoint (the loop's way), or replay from the start. */
  checkpoints?: boolean;
  /** Called with every plan, for checks on plans themselves. */
  onPlan?: (p: Plan, rows: readonly ExperimentRow[]) => void;
}

/** The parallel schedule driving `slots` slots, the runs in flight coming back in a seeded random order. */
export function runParallel(setup: Setup, options: ParallelOptions): { world: World; verdicts: Recorded[]; ending: string | null } {
  const world = new World(setup.changes, setup.world);
  const verdicts: Recorded[] = [];
  const arrival = mulberry32(options.arrival);
  let next = 0;
  let checkpoint: Checkpoint | undefined;
  for (let step = 0; step < 100_000; step++) {
    const running = world.rows.filter(inFlight);
    const p = plan({ rows: world.rows, rule: ruleOf(setup), slots: options.slots - running.length, limit: options.limit, checkpoint, ahead: world.ahead });
    options.onPlan?.(p, world.rows);
    if (options.checkpoints !== false) checkpoint = p.checkpoint;
    for (const c of p.commits) record(world, c.candidate, c.decision, verdicts);
    if (p.commits.length > 0) continue;
    if (p.ending && running.length === 0) return { world, verdicts, ending: p.ending.reason };
    if (p.ending?.status === 'stopped') return { world, verdicts, ending: p.ending.reason };
    // One start at a time, then plan again: each new row changes what the next guess is.
    const first = p.starts[0];
    const dry = first?.type === 'propose' && next >= setup.changes.length;
    if (first && !dry) {
      world.create(first, first.type === 'propose' ? setup.changes[next++] : undefined);
      continue;
    }
    // The proposer has nothing left and the rule waits on a proposal: the session ends, as the loop's does.
    if (dry && !first.speculative) return { world, verdicts, ending: 'nothing left to try' };
    if (running.length === 0) return { world, verdicts, ending: null };
    world.finish(running[Math.floor(arrival() * running.length)]!.id);
  }
  throw new Error('the simulated session did not end');
}
