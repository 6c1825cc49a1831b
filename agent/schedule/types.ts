import type { ExperimentRow } from '../store/types.ts';
import type { Verdict } from './next-action.ts';

/**
 * What the parallel schedule (plan.ts) asks of the loop. Every run is on the current head (the
 * last kept commit), but for a probable keep's own commit measured ahead: the loop creates its row
 * as the sequential loop does and hands it to a slot.
 */
export type Start =
  /** `ahead`: a run of the commit this candidate will make if kept, measured before its verdict (see replay.ts). */
  | { type: 'head'; kind: 'baseline' | 'control'; seed: number; description: string; ahead?: ExperimentRow }
  | { type: 'confirm'; candidate: ExperimentRow; seed: number; reason: string }
  /** A candidate whose run was interrupted, again with its own seed (retry_of: it). */
  | { type: 'rerun'; interrupted: ExperimentRow }
  /** A superseded candidate's change again on the current head, on `seed` (retry_of: it). */
  | { type: 'retest'; of: ExperimentRow; seed: number }
  /** Ask the proposer for a change: its row screens on `screenSeed`, or `designSeed` when a design point. */
  | { type: 'propose'; screenSeed: number; designSeed: number };

/**
 * A start, and whether it is a guess: `speculative` runs are what the rule will probably ask for
 * once the runs in flight come back; they are used only if it does (see plan.ts).
 */
export type Planned = Start & { speculative: boolean };

/** A verdict to record on a candidate's row, in this order. */
export interface Commit {
  candidate: ExperimentRow;
  decision: Verdict;
}

/** Where the session's limits stand: `work` as in loop/limits.ts; `inFlight` what is under way. */
export type LimitCheck = (work: 'head' | 'candidate', need: number, inFlight: { runs: number; decisions: number }) => string | null;

export interface Ending {
  status: 'stopped' | 'finished';
  reason: string;
}
