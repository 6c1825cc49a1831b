/**
 * Where the session stands in its plan: the phase it is in, the runs that phase has left, and
 * how long until candidates start (during the baseline) or the phase ends. Pure: the plan the
 * session stored as it started, its rows, and the pace measured from them.
 */
import type { PlanPhase } from '../../proposers/plan-estimate.ts';
import { FINISHED_STATUSES, type ExperimentRow } from '../../store/types.ts';

export interface PhaseProgress {
  name: string;
  /** 1-based, of `phases`. */
  index: number;
  phases: number;
  /** Finished runs of this phase. */
  done: number;
  /** The phase's planned runs; null where it is open-ended. */
  runs: number | null;
  /** True where `runs` is an upper bound. */
  atMost: boolean;
  /** Runs to go, null where open-ended. */
  left: number | null;
  /** Seconds until the phase ends at the session's pace (null: open-ended). */
  leftS: number | null;
  /** During the baseline: seconds until the first candidate runs. */
  candidatesInS: number | null;
}

/** What the progress reads of a run: its kind and design, and for a confirmation its candidate. */
type RowOf = Pick<ExperimentRow, 'id' | 'kind' | 'status' | 'parent_id' | 'design'>;

/**
 * Which phase a run counts for, by the planner's phase names (agent/proposers/plan-estimate.ts;
 * test/ui/phase-progress.test.ts checks every name it makes is known here). Control runs
 * re-measure the baseline between candidates and belong to no phase. A proposer's own phase
 * (an LLM's, open-ended) takes every candidate the named phases do not.
 */
const PHASE_OF: Record<string, (run: RowOf) => boolean> = {
  baseline: (r) => r.kind === 'baseline',
  ablations: (r) => r.kind === 'ablation' && r.design !== 'factorial',
  interactions: (r) => r.kind === 'interaction',
  'factorial design': (r) => r.design === 'factorial',
  knobs: (r) => r.kind === 'tweak',
};
const OTHER = (r: RowOf) => r.kind === 'llm' || r.kind === 'tweak';

export function phaseProgress(phases: readonly PlanPhase[], rows: readonly RowOf[], perRunS: number, inFlightS: number | null): PhaseProgress | null {
  if (phases.length === 0) return null;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const owner = (r: RowOf) => (r.kind === 'confirm' && r.parent_id !== null ? (byId.get(r.parent_id) ?? r) : r);
  const match = phases.map((p) => PHASE_OF[p.name] ?? OTHER);
  const done = phases.map(() => 0);
  const started = phases.map(() => false);
  for (const r of rows) {
    const at = match.findIndex((m) => m(owner(r)));
    if (at === -1 || r.status === 'rejected') continue;
    started[at] = true;
    if (FINISHED_STATUSES.includes(r.status)) done[at]! += 1;
  }
  // A bounded phase's runs past its plan (an ablation re-measured for the interactions once a
  // keep moved the baseline) are the next phase's work.
  for (let i = 0; i < phases.length - 1; i++) {
    const runs = phases[i]!.runs;
    if (runs !== null && done[i]! > runs) {
      done[i + 1]! += done[i]! - runs;
      done[i] = runs;
    }
  }
  // The current phase: the first with runs to go, unless a later one has begun (a phase cut short by crashes).
  let at = phases.findIndex((p, i) => p.runs === null || done[i]! < p.runs);
  if (at === -1) at = phases.length - 1;
  const later = started.findLastIndex((s) => s);
  if (later > at) at = later;
  const phase = phases[at]!;
  const left = phase.runs === null ? null : Math.max(0, phase.runs - done[at]!);
  // The run in flight is part of the runs left: what it has run already is not left to do.
  const secondsFor = (runs: number) => Math.max(0, runs * perRunS - (runs > 0 ? Math.min(inFlightS ?? 0, perRunS) : 0));
  return {
    name: phase.name,
    index: at + 1,
    phases: phases.length,
    done: done[at]!,
    runs: phase.runs,
    atMost: phase.atMost === true,
    left,
    leftS: left === null ? null : secondsFor(left),
    candidatesInS: phase.name === 'baseline' && left !== null ? secondsFor(left) : null,
  };
}
