import type { ExperimentRow } from '../store/types.ts';
import type { Physical } from './physical.ts';
import { freshState, type ReplayState } from './replay.ts';

/**
 * Where a replay may resume: a prefix of the virtual log at a point where every row in it has
 * ended and every verdict in it is recorded. Such rows never change again, so the next plan
 * starts there instead of replaying the whole session (which is quadratic in its length);
 * without one, or when the log disagrees with it, the replay starts over and comes to the same.
 */
export interface Checkpoint {
  vrows: readonly ExperimentRow[];
  head: string;
  next: number;
}

/** The state's first `length` virtual rows, with its head and queue place now; copied only when asked. */
export function settledAt(state: ReplayState, length: number): { freeze: () => Checkpoint } {
  const { head, next } = state;
  return { freeze: () => ({ vrows: state.vrows.slice(0, length), head, next }) };
}

export function restore(checkpoint: Checkpoint | undefined, physical: Physical): ReplayState | undefined {
  if (!checkpoint || checkpoint.next > physical.proposals.length) return undefined;
  for (const v of checkpoint.vrows) {
    const row = physical.byId.get(v.id);
    if (!row || row.status !== v.status || row.decision !== v.decision || row.metric !== v.metric) return undefined;
  }
  const state = freshState(checkpoint.head);
  state.vrows = [...checkpoint.vrows];
  state.used = new Set(checkpoint.vrows.map((e) => e.id));
  state.next = checkpoint.next;
  return state;
}
