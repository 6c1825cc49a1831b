/**
 * The session as each keep/revert decision saw it (baseline mean, best single run, noise SD),
 * for the expected number of false keeps. decision-input.ts derives the same groups for one
 * decision at a time; replaying a whole session that way is quadratic, so this walks the rows
 * once in id order, keeping per-group running sums (Welford) and the pooled SD incrementally.
 *
 * A candidate is decided after its last confirmation and before the next row that is not one
 * of its confirmations (a pending candidate blocks new proposals and controls), so its state
 * is taken when that next row arrives; its noise SD is pooled over the groups measured before
 * it (a no-op's spread, not the candidate's own runs). Candidates reverted because a run failed, rejected or
 * interrupted ones were never put to the rule and are left out, and so are superseded ones (the
 * parallel loop's: a keep came first; their re-test is the decision).
 *
 * A parallel session interleaves a candidate's confirmations with other runs; they are moved up
 * behind their candidate first, the order one slot would have run them (a no-op for a sequential log).
 */
import type { DecisionState } from '../stats/false-keeps.ts';
import type { Goal } from '../decide/types.ts';
import { isFailedRun, type ExperimentRow } from '../store/types.ts';
import { candidateKey, commitKey } from './groups.ts';
import { CANDIDATE_KINDS, isDecided, isHeadRun, isSuperseded } from './kinds.ts';

class Group {
  n = 0;
  mean = 0;
  m2 = 0;
  add(x: number): number {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    const before = this.m2;
    this.m2 += d * (x - this.mean);
    return this.m2 - before;
  }
}

export type StateRow = Pick<ExperimentRow, 'id' | 'kind' | 'status' | 'decision' | 'reason' | 'metric' | 'parent_id' | 'base_commit' | 'min_runs'>;

/** One rule decision: the state it saw, and how many runs the candidate had got (some rules can only keep after enough). */
export interface ReplayedDecision {
  state: DecisionState;
  runs: number;
  minRuns: number;
}

export function decisionStates(rows: readonly StateRow[], goal: Goal): ReplayedDecision[] {
  const groups = new Map<string, Group>();
  let ss = 0;
  let df = 0;
  let best: number | undefined;
  const better = (a: number, b: number) => (goal === 'minimize' ? a < b : a > b);
  const add = (key: string, value: number, isRecord: boolean) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new Group()));
    if (g.n >= 1) df++;
    ss += g.add(value);
    if (isRecord && (best === undefined || better(value, best))) best = value;
  };
  const states: ReplayedDecision[] = [];
  let open: { row: StateRow; values: number[]; failed: boolean } | null = null;

  const close = () => {
    if (!open) return;
    const { row, values, failed } = open;
    open = null;
    const baseline = groups.get(commitKey(row.base_commit));
    if (!failed && values.length > 0 && baseline && baseline.n > 0 && best !== undefined) {
      const state = { goal, baselineMean: baseline.mean, bestSingle: best, sd: df > 0 ? Math.sqrt(ss / df) : null };
      states.push({ state, runs: values.length, minRuns: row.min_runs });
    }
    // As in groups.ts: a kept candidate's runs stay its own group (they were selected for looking
    // good, so they never become its commit's baseline) but do count as records to beat.
    for (const v of values) add(candidateKey(row.id), v, row.decision === 'keep');
  };

  for (const row of inDecisionOrder(rows)) {
    const measured = row.status === 'done' && row.metric !== null;
    if (row.kind === 'confirm' && open && row.parent_id === open.row.id) {
      if (measured) open.values.push(row.metric!);
      else if (isFailedRun(row.status)) open.failed = true;
      continue;
    }
    close();
    if (CANDIDATE_KINDS.has(row.kind) && isDecided(row) && row.status === 'done' && !isSuperseded(row)) {
      open = { row, values: measured ? [row.metric!] : [], failed: false };
    } else if (measured && isHeadRun(row)) add(commitKey(row.base_commit), row.metric!, true);
  }
  close();
  return states;
}

/** Each candidate's confirmations right behind it, every other row in id order. */
function inDecisionOrder(rows: readonly StateRow[]): StateRow[] {
  const ids = new Set(rows.map((e) => e.id));
  const follows = (e: StateRow) => e.kind === 'confirm' && e.parent_id !== null && ids.has(e.parent_id);
  const confirms = new Map<number, StateRow[]>();
  for (const e of rows) if (follows(e)) confirms.set(e.parent_id!, [...(confirms.get(e.parent_id!) ?? []), e]);
  return rows.flatMap((e) => (follows(e) ? [] : [e, ...(confirms.get(e.id) ?? [])]));
}
