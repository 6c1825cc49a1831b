import { factorialFactors, passesNeeded } from './factorial-points.ts';
import { fractionalFactorial } from '../design/fractional-factorial.ts';
import type { Marker } from '../knobs/markers.ts';
import { neighbours } from './neighbours.ts';

/** One phase of a session's plan, as printed at its start. */
export interface PlanPhase {
  name: string;
  /** The phase's runs, or null where it is open-ended (a search that goes on while it finds gains). */
  runs: number | null;
  /** True where `runs` is an upper bound (some of them happen only if a keep moves the baseline). */
  atMost?: boolean;
  /** How the runs add up, in a few words: '7×3'. */
  note?: string;
}

export interface PlanOptions {
  ablationRuns: number;
  interactionTop: number;
  redundancyTop?: number;
  design?: 'loco' | 'factorial';
  /** The session's --baseline-runs: how many passes the factorial design needs (absent: the default, 5). */
  baselineRuns?: number;
}

type PhaseOf = (markers: readonly Marker[], options: PlanOptions) => PlanPhase | null;

/** The alternatives of every `@ablate` marker, each measured --ablation-runs times for its interval. */
const ablations: PhaseOf = (markers, { ablationRuns, design }) => {
  if (design === 'factorial') return null;
  const count = ablationsOf(markers).reduce((n, m) => n + m.alternatives.filter((v) => v !== m.value).length, 0);
  return count === 0 ? null : { name: 'ablations', runs: count * ablationRuns, note: `${count}×${ablationRuns}` };
};

/**
 * Every pair among the `interactionTop` strongest components and among the `redundancyTop`
 * weakest (at most: only those not significant), plus, where a keep moved the baseline, each of
 * those components' ablations measured again on it (planner/interactions.ts).
 */
const interactions: PhaseOf = (markers, { ablationRuns, interactionTop, redundancyTop = 0, design }) => {
  if (design === 'factorial') return null;
  const components = ablationsOf(markers).filter((m) => m.alternatives.some((v) => v !== m.value)).length;
  const strong = Math.min(interactionTop, components);
  const weak = Math.min(redundancyTop, components - strong);
  const pairsOf = (n: number) => (n < 2 ? 0 : (n * (n - 1)) / 2);
  const pairs = pairsOf(strong) + pairsOf(weak);
  if (pairs === 0) return null;
  const k = (strong < 2 ? 0 : strong) + (weak < 2 ? 0 : weak);
  return {
    name: 'interactions',
    runs: (pairs + k) * ablationRuns,
    atMost: true,
    note: `${pairs} ${pairs === 1 ? 'pair' : 'pairs'} + ${k} re-measures, ×${ablationRuns}`,
  };
};

/** --design factorial: every point of the design but the all-zero one (the baseline's), once per pass (factorial-points.ts). */
const factorial: PhaseOf = (markers, { design, baselineRuns = 5 }) => {
  const k = factorialFactors(markers).length;
  if (design !== 'factorial' || k === 0) return null;
  const plan = fractionalFactorial(k);
  const passes = passesNeeded(plan, baselineRuns);
  return { name: 'factorial design', runs: passes * (plan.runs - 1), note: `${plan.runs - 1} points × ${passes} ${passes === 1 ? 'pass' : 'passes'}` };
};

/** A pattern search over the `@knob` markers: it refines around each keep, so it has no fixed end. */
const knobs: PhaseOf = (markers) => {
  const moves = markers.filter((m) => m.marker === 'knob').reduce((n, m) => n + neighbours(m).length, 0);
  return moves === 0 ? null : { name: 'knobs', runs: null, note: `${moves} first moves, one run each unless promising` };
};

/** The offline planner's phases, in the order it runs them; a new design adds its phase to this list. */
const PLANNER_PHASES: readonly PhaseOf[] = [ablations, interactions, factorial, knobs];

export function plannerPlan(markers: readonly Marker[], options: PlanOptions): PlanPhase[] {
  return PLANNER_PHASES.map((phase) => phase(markers, options)).filter((p): p is PlanPhase => p !== null);
}

function ablationsOf(markers: readonly Marker[]): readonly Marker[] {
  return markers.filter((m) => m.marker === 'ablate');
}
