import { candidateIdOf, isCandidate, isSuperseded } from '../session/kinds.ts';
import { isSimplification } from '../session/simplification.ts';
import type { ExperimentRow } from '../store/types.ts';
import type { Rule } from './next-action.ts';
import { inFlight, Physical } from './physical.ts';
import { type Checkpoint, restore, settledAt } from './checkpoint.ts';
import { copyState, freshState, Replay, type Step } from './replay.ts';
import type { Commit, Ending, LimitCheck, Planned, Start } from './types.ts';

/**
 * The parallel schedule: given the session's rows (runs queued and running included) and the
 * free slots, which verdicts to record now and which runs to start. Pure and deterministic.
 *
 * - Verdicts: the sequential rule replayed over the runs that came back (replay.ts), so each is
 *   the rule's on the same runs, in the order of proposal, whatever order the runs finished in.
 *   A keep ends the list: the loop commits it, and asks again with the new head.
 * - Starts: first the run the rule waits on, then, while slots are free, the runs it will
 *   probably ask for next (a speculative replay that assumes each head run lands, each
 *   confirmation lands on its candidate's mean, and each other candidate in flight, or one it
 *   would keep on guessed runs, is reverted): the baseline's seeds at once, the top-ups and
 *   controls, the next candidates' screens on the baseline's seeds in turn, all the confirmations
 *   of those that look promising, and when one would be kept on its guessed runs, its new
 *   baseline's controls on the commit it would make. A guess that proves wrong costs a run, never
 *   a verdict: a run the rule does not ask for stays in the log as data and enters no decision.
 */

export interface PlanInput {
  rows: readonly ExperimentRow[];
  rule: Omit<Rule, 'head'>;
  /** Slots free now: at most this many starts. */
  slots: number;
  /** Proposals asked for and not yet recorded as rows. */
  proposing?: number;
  /** The session's limits (loop/limits.ts); absent: none. */
  limit?: LimitCheck;
  /** From the last plan: where the replay may resume rather than start over. */
  checkpoint?: Checkpoint;
  /** Keep commits the loop made ahead of their verdicts, by candidate id (keep-commit.ts). */
  ahead?: ReadonlyMap<number, string>;
}

export interface Plan {
  commits: Commit[];
  starts: Planned[];
  /** The head the starts run on (a keep among the commits moves it: then there are no starts). */
  head: string;
  /** Runs in flight no verdict will use (on an old head, or of a superseded candidate): they may be cancelled. */
  obsolete: ExperimentRow[];
  /** Set when nothing more may start: the session ends once the runs in flight are back. */
  ending: Ending | null;
  checkpoint: Checkpoint;
}

/** How far speculation looks past the first block, in steps of the rule. */
const SPECULATION_STEPS = 200;

export function plan(input: PlanInput): Plan {
  const physical = new Physical(input.rows, input.ahead);
  const state = restore(input.checkpoint, physical) ?? freshState(input.rule.baselineCommit);
  state.proposing = input.proposing ?? 0;
  const real = new Replay(physical, input.rule, state, false);
  const commits: Commit[] = [];
  let checkpoint = settledAt(state, state.vrows.length);
  let block: Step;
  for (;;) {
    if (commits.length === 0 && !state.vrows.some((e) => e.decision === 'pending')) checkpoint = settledAt(state, state.vrows.length);
    const before = state.head;
    const step = real.step();
    if (state.head !== before) commits.push(...real.supersedeStale());
    if (step.type === 'advanced') continue;
    if (step.type === 'verdict') {
      commits.push(step);
      if (step.decision.verdict === 'keep') return finish(input, physical, commits, [], state.head, null, checkpoint.freeze());
      continue;
    }
    block = step;
    break;
  }
  const frozen = checkpoint.freeze();
  if (block.type === 'stop') return finish(input, physical, commits, [], state.head, { status: 'stopped', reason: block.reason }, frozen);

  const starts: Planned[] = [];
  let ending: Ending | null = null;
  const budget = new Budget(input, physical, commits);
  const speculative = new Replay(physical, input.rule, copyState(state), true);
  for (let i = 0; i < SPECULATION_STEPS && starts.length < input.slots; i++) {
    const step = speculative.step();
    if (step.type === 'stop') break;
    if (step.type !== 'blocked' || !step.start) continue;
    const first = i === 0 && block.type === 'blocked' && block.start !== undefined;
    const limited = budget.refuses(step.start);
    if (limited) {
      if (first) ending = { status: 'finished', reason: limited };
      break;
    }
    starts.push({ ...step.start, speculative: !first });
  }
  return finish(input, physical, commits, starts, state.head, ending, frozen);
}

function finish(input: PlanInput, physical: Physical, commits: Commit[], starts: Planned[], head: string, ending: Ending | null, checkpoint: Checkpoint): Plan {
  const gone = new Set([
    ...input.rows.filter(isSuperseded).map((e) => e.id),
    ...commits.filter((c) => c.decision.reason.startsWith('superseded:')).map((c) => c.candidate.id),
  ]);
  const decided = new Set(commits.map((c) => c.candidate.id));
  const undecided = (id: number) => physical.byId.get(id)?.decision === 'pending' && !decided.has(id);
  // A probable keep's new baseline, measured ahead, is needed while that candidate awaits its verdict.
  const ahead = new Set([...physical.ahead].filter(([id]) => undecided(id)).map(([, commit]) => commit));
  const obsolete = physical.inFlight().filter((e) => (e.base_commit !== head && !ahead.has(e.base_commit)) || gone.has(candidateIdOf(e) ?? -1));
  return { commits, starts, head, obsolete, ending, checkpoint };
}

/**
 * The limits, with N slots: what is in flight counts. A run a decision already under way may
 * still need (a confirmation, a re-run, a re-test, the head runs the rule puts before its
 * verdict) is never refused; a new decision starts only with room for every run it may need,
 * beside the runs in flight and the runs the undecided candidates may still take.
 */
class Budget {
  private runs: number;
  private decisions: number;

  constructor(
    private readonly input: PlanInput,
    physical: Physical,
    commits: Commit[],
  ) {
    const decided = new Set(commits.map((c) => c.candidate.id));
    const undecided = input.rows.filter((e) => isCandidate(e) && e.decision === 'pending' && !decided.has(e.id));
    const policy = input.rule.policy;
    const reserved = undecided.reduce((sum, c) => {
      const most = c.design !== null ? 1 : policy.maxRunsPerCandidate(c.min_runs, isSimplification(c));
      const started = 1 + input.rows.filter((e) => e.kind === 'confirm' && e.parent_id === c.id).length;
      return sum + Math.max(0, most - started);
    }, 0);
    this.runs = physical.rows.filter(inFlight).length + reserved;
    this.decisions = undecided.length + (input.proposing ?? 0);
  }

  /** Why `start` may not start, or null; counts it in when it may. */
  refuses(start: Start): string | null {
    const limit = this.input.limit;
    // A head run ahead of a verdict is the new baseline's, as after the keep: the limits apply to it.
    const work = start.type === 'propose' ? 'candidate' : start.type === 'head' && (this.decisions === 0 || start.ahead) ? 'head' : null;
    const reason = limit && work ? limit(work, 1, { runs: this.runs, decisions: this.decisions }) : null;
    if (reason) return reason;
    this.runs++;
    if (start.type === 'propose') this.decisions++;
    return null;
  }
}
