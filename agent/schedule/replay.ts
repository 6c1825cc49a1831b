import { candidateIdOf, isCandidate, isDecided, isHeadRun, isSuperseded } from '../session/kinds.ts';
import type { ExperimentRow } from '../store/types.ts';
import { type Action, nextAction, type Rule, type Verdict } from './next-action.ts';
import { inFlight, type Physical } from './physical.ts';
import { assumedReverted, placeholder } from './placeholders.ts';
import { pendingCandidate } from './state.ts';
import { supersededReason } from './superseded.ts';
import type { Start } from './types.ts';

/**
 * The sequential rule replayed over the runs that came back. The rule (next-action.ts) is run on
 * a virtual log, `vrows`: the rows it would have written one at a time, in its own order. Each
 * run it asks for is looked up among the session's rows by what it measures and its seed
 * (physical.ts), whenever and in whatever order that run was started or finished; a run not there
 * yet blocks the replay. So each verdict is the rule's on the same runs as one slot would give it,
 * whatever the arrival order, and verdicts come in the rule's order: the order of proposal.
 *
 * Speculative mode goes past the blocks on assumptions (placeholders.ts), to find the runs the rule
 * will probably ask for next; its state is a copy and never decides anything.
 */

export interface ReplayState {
  vrows: ExperimentRow[];
  /** Rows of the session in vrows. */
  used: Set<number>;
  /** Candidates this replay superseded (their verdict is not in the log yet). */
  superseded: Set<number>;
  head: string;
  /** The next proposal's place in the queue (Physical.proposals). */
  next: number;
  /** Proposals the loop asked for and has not recorded yet: each stands for one turn. */
  proposing: number;
  /** Ids of placeholder runs whose metric is a guess; synthetic rows get ids below zero. */
  guessed: Set<number>;
  synthetic: number;
  /** Speculating only: the candidate whose keep, guessed, made `head` (its commit, or a name for it until made). */
  aheadOf: ExperimentRow | null;
}

export const freshState = (baselineCommit: string, proposing = 0): ReplayState => ({
  vrows: [],
  used: new Set(),
  superseded: new Set(),
  head: baselineCommit,
  next: 0,
  proposing,
  guessed: new Set(),
  synthetic: 0,
  aheadOf: null,
});

export const copyState = (s: ReplayState): ReplayState => ({
  ...s,
  vrows: [...s.vrows],
  used: new Set(s.used),
  superseded: new Set(s.superseded),
  guessed: new Set(s.guessed),
});

export type Step =
  | { type: 'advanced' }
  /** A verdict not in the log yet (a supersede among them). */
  | { type: 'verdict'; candidate: ExperimentRow; decision: Verdict }
  /** The rule waits on a run: `start` when no row realises it yet, `wait` when its row is in flight. */
  | { type: 'blocked'; start?: Start; wait?: ExperimentRow }
  | { type: 'stop'; reason: string };

/** Fewest real runs of the head before a speculative step decides on them rather than assuming a revert. */
const GUESS_FROM = 2;

export class Replay {
  private steps = 0;

  constructor(
    private readonly physical: Physical,
    private readonly rule: Omit<Rule, 'head'>,
    readonly state: ReplayState,
    private readonly speculative: boolean,
  ) {}

  step(): Step {
    const s = this.state;
    // The first speculative step is the real one's block, asked for as it is.
    if (this.speculative && this.steps++ > 0) {
      // A verdict on guessed baseline values would be noise: assume the common outcome instead.
      const pending = pendingCandidate(s.vrows);
      if (pending && this.realHeadRuns() < GUESS_FROM) return this.assumeRevert(pending);
    }
    const action: Action = nextAction(s.vrows, { ...this.rule, head: s.head });
    if (s.aheadOf !== null && action.type !== 'head') return { type: 'stop', reason: 'speculation ends at a keep not yet decided' };
    switch (action.type) {
      case 'stop':
        return action;
      case 'head':
        return this.run(this.physical.headRun(s.head, action.seed, s.used), action, (row) =>
          this.push(placeholder(row, this.nextSynthetic(row), { kind: action.kind, base_commit: s.head, seed: action.seed, metric: this.guess() }), true),
        );
      case 'confirm':
        return this.run(this.physical.confirm(action.candidate.id, action.seed, s.used), action, (row) =>
          this.assumeConfirmed(action.candidate, action.seed, row),
        );
      case 'rerun': {
        const of = action.interrupted;
        return this.run(this.physical.retry(of.id, s.used), action, (row) =>
          this.push(assumedReverted(placeholder(row ?? of, this.nextSynthetic(row), { retry_of: of.id, seed: of.seed, metric: null }))),
        );
      }
      case 'verdict':
        return this.verdict(action.candidate, action.decision);
      case 'propose':
        return this.turn(action.screenSeed, action.designSeed);
    }
  }

  /**
   * Queued proposals on a head a keep has moved away from: superseded at once, so their slots
   * are freed (a replay of the log meets proposals on later heads too: those wait for their turn).
   */
  supersedeStale(): Array<{ candidate: ExperimentRow; decision: Verdict }> {
    const s = this.state;
    const past = new Set(s.vrows.filter((e) => e.decision === 'keep').map((e) => e.base_commit));
    const out: Array<{ candidate: ExperimentRow; decision: Verdict }> = [];
    for (const proposal of this.physical.proposals.slice(s.next)) {
      const last = this.lastLink(proposal);
      if (last.status === 'rejected' || !past.has(last.base_commit) || this.gone(last)) continue;
      s.superseded.add(last.id);
      out.push({ candidate: last, decision: { verdict: 'revert', reason: supersededReason(last, s.vrows, s.head, null), stats: null } });
    }
    return out;
  }

  /** A run the rule asked for: taken when it has ended, else the replay waits (or, speculating, assumes). */
  private run(row: ExperimentRow | undefined, action: Action, assume: (row: ExperimentRow | undefined) => void): Step {
    if (row && !inFlight(row)) {
      this.consume(row);
      return { type: 'advanced' };
    }
    if (this.speculative) assume(row);
    if (row) return { type: 'blocked', wait: row };
    const start = startOf(action);
    return { type: 'blocked', start: start.type === 'head' && this.state.aheadOf ? { ...start, ahead: this.state.aheadOf } : start };
  }

  private verdict(candidate: ExperimentRow, decision: Verdict): Step {
    const s = this.state;
    const logged = this.physical.byId.get(candidate.id);
    if (logged && isDecided(logged)) {
      // Recorded already: the log is the record (the rule gave it on these same runs).
      this.replace(logged);
      if (logged.decision === 'keep' && logged.commit_sha) s.head = logged.commit_sha;
      return { type: 'advanced' };
    }
    if (this.speculative && decision.verdict === 'keep') return this.assumeKept(candidate);
    if (decision.verdict === 'revert') {
      this.replace({ ...candidate, decision: 'revert', reason: decision.reason, n_runs: decision.stats?.n ?? null });
    }
    return { type: 'verdict', candidate, decision };
  }

  /**
   * A proposal's turn. The next proposal in the queue (or its latest re-test) is taken when it
   * was made on the current head and screened on the seed the rule gives this turn; otherwise it
   * is superseded and its change re-tested, so the rule sees exactly what one slot would show it.
   */
  private turn(screenSeed: number, designSeed: number): Step {
    const s = this.state;
    const first = this.physical.proposals[s.next];
    if (!first) {
      const start: Start = { type: 'propose', screenSeed, designSeed };
      if (s.proposing > 0) {
        // Its row will take this turn. Only a speculative replay goes past it (the real one stops here).
        if (this.speculative) {
          s.proposing--;
          this.push(this.proposalGuess(screenSeed, designSeed));
        }
        return { type: 'blocked' };
      }
      if (this.speculative) this.push(this.proposalGuess(screenSeed, designSeed));
      return { type: 'blocked', start };
    }
    let row = first;
    for (;;) {
      const seed = row.design !== null ? designSeed : screenSeed;
      if (row.status === 'rejected' && !this.gone(row)) return this.took(row);
      if (!this.gone(row) && row.base_commit === s.head && row.seed === seed) {
        if (!inFlight(row)) return this.took(row);
        if (this.speculative) {
          s.next++;
          this.push(assumedReverted(row));
        }
        return { type: 'blocked', wait: row };
      }
      if (!this.gone(row)) {
        s.superseded.add(row.id);
        return { type: 'verdict', candidate: row, decision: { verdict: 'revert', reason: supersededReason(row, s.vrows, s.head, seed), stats: null } };
      }
      const retest = this.physical.retry(row.id, s.used);
      if (!retest) {
        if (this.speculative) {
          s.next++;
          this.push(
            assumedReverted(placeholder(undefined, this.nextSynthetic(undefined), { ...row, base_commit: s.head, seed, retry_of: row.id, metric: null })),
          );
        }
        return { type: 'blocked', start: { type: 'retest', of: row, seed } };
      }
      row = retest;
    }
  }

  private took(row: ExperimentRow): Step {
    this.state.next++;
    this.consume(row);
    return { type: 'advanced' };
  }

  /** A row into the virtual log: a candidate decided in the log re-enters pending, for the rule to walk through its runs again. */
  private consume(row: ExperimentRow): void {
    const pending = isCandidate(row) && isDecided(row) && row.status !== 'rejected';
    this.push(pending ? { ...row, decision: 'pending' } : row);
  }

  private push(row: ExperimentRow, guessed = false): void {
    this.state.vrows.push(row);
    if (row.id > 0) this.state.used.add(row.id);
    if (guessed) this.state.guessed.add(row.id);
  }

  private replace(row: ExperimentRow): void {
    const vrows = this.state.vrows;
    const at = vrows.findLastIndex((e) => e.id === row.id);
    vrows[at] = row;
  }

  /**
   * A confirmation assumed to land on the candidate's mean so far: the rule then asks for the
   * next one, so a promising candidate's confirmations start together on free slots rather than
   * one per round trip (a guess the rule never decides on: a revert after the first one leaves
   * the rest as data).
   */
  private assumeConfirmed(candidate: ExperimentRow, seed: number, row: ExperimentRow | undefined): void {
    const runs = this.state.vrows.filter((e) => candidateIdOf(e) === candidate.id && e.status === 'done' && e.metric !== null);
    const mean = runs.length === 0 ? null : runs.reduce((sum, e) => sum + e.metric!, 0) / runs.length;
    const over = { kind: 'confirm' as const, decision: null, parent_id: candidate.id, base_commit: this.state.head, seed, metric: mean };
    this.push(placeholder(row, this.nextSynthetic(row), over));
  }

  /**
   * A keep guessed on the runs so far. Whatever follows a revert (the next screens) would be
   * superseded by the keep if it came, so the slots go to the keep's new baseline instead: its
   * controls, on the commit the keep will make (made ahead by the loop, keep-commit.ts). If the
   * keep does not come they are data on a commit never kept; if it does, the rule finds them there.
   * Speculation stops at the next proposal: nothing is proposed on a head not yet kept. One keep
   * ahead at a time; a second guessed keep is assumed a revert.
   */
  private assumeKept(candidate: ExperimentRow): Step {
    const s = this.state;
    if (s.aheadOf !== null) return this.assumeRevert(candidate);
    const commit = this.physical.ahead.get(candidate.id) ?? `ahead of #${candidate.id}`;
    this.replace({ ...candidate, decision: 'keep', commit_sha: commit });
    s.head = commit;
    s.aheadOf = candidate;
    return { type: 'advanced' };
  }

  private assumeRevert(candidate: ExperimentRow): Step {
    this.replace(assumedReverted(candidate));
    return { type: 'advanced' };
  }

  /** A proposal not made yet, as the last one was: design points come in runs of a design's points. */
  private proposalGuess(screenSeed: number, designSeed: number): ExperimentRow {
    const design = this.physical.proposals.at(-1)?.design ?? null;
    const seed = design !== null ? designSeed : screenSeed;
    return assumedReverted(placeholder(undefined, this.nextSynthetic(undefined), { kind: 'tweak', base_commit: this.state.head, seed, design }));
  }

  private gone(row: ExperimentRow): boolean {
    return isSuperseded(row) || this.state.superseded.has(row.id);
  }

  /** A proposal's latest re-test (itself when it has none). */
  private lastLink(row: ExperimentRow): ExperimentRow {
    let at = row;
    for (let next = this.physical.retry(at.id, this.state.used); next && this.gone(at); next = this.physical.retry(at.id, this.state.used)) at = next;
    return at;
  }

  private nextSynthetic(row: ExperimentRow | undefined): number {
    return row ? row.id : --this.state.synthetic;
  }

  private headRunsOf(): ExperimentRow[] {
    const s = this.state;
    return s.vrows.filter((e) => isHeadRun(e) && e.base_commit === s.head && e.status === 'done' && e.metric !== null);
  }

  private realHeadRuns(): number {
    return this.headRunsOf().filter((e) => !this.state.guessed.has(e.id)).length;
  }

  /** A placeholder's metric: the mean of the head's real runs (0 before any: nothing is decided on it then). */
  private guess(): number {
    const real = this.headRunsOf().filter((e) => !this.state.guessed.has(e.id));
    return real.length === 0 ? 0 : real.reduce((sum, e) => sum + e.metric!, 0) / real.length;
  }
}

function startOf(action: Action): Start {
  switch (action.type) {
    case 'head':
      return { type: 'head', kind: action.kind, seed: action.seed, description: action.description };
    case 'confirm':
      return { type: 'confirm', candidate: action.candidate, seed: action.seed, reason: action.reason };
    case 'rerun':
      return { type: 'rerun', interrupted: action.interrupted };
    default:
      throw new Error(`schedule: ${action.type} is not a run`);
  }
}
