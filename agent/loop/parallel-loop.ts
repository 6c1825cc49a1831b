/**
 * The experiment loop with N slots (docs/design.md, "Executors"): the same steps as loop.ts (its
 * rows, verdicts and events), but each run goes to an executor in its own checkout and the parallel
 * schedule (agent/schedule/plan.ts) says, after every event, which verdicts to record and which runs
 * to start. Verdicts come in proposal order and are the sequential rule's on the same runs.
 *
 * Resume: rows still running were left to their executor when the agent died; they are found by
 * name and awaited, never started twice (measureRunOnExecutor). A row the executor never saw (the
 * agent died between the row and the submit) is interrupted and the rule re-runs it.
 */
import path from 'node:path';
import { runName } from '../executors/types.ts';
import { isCandidate } from '../session/kinds.ts';
import { plan, type Plan } from '../schedule/plan.ts';
import type { Checkpoint } from '../schedule/checkpoint.ts';
import type { Planned } from '../schedule/types.ts';
import type { ExperimentRow } from '../store/types.ts';
import { Checkouts } from '../workspace/checkouts.ts';
import type { BuiltExecutor } from './executor-settings.ts';
import { rejectRun } from './execute-run.ts';
import { keepCommit } from './keep-commit.ts';
import { limitEnding } from './limits.ts';
import { type Ending, ExperimentLoop, type LoopDeps } from './loop.ts';
import type { OpenedSession } from './session-setup.ts';
import { ProposalsUnderWay } from './proposals-under-way.ts';
import { ATTEMPT, runInSlot, type SlotContext } from './slot-run.ts';

/** Wakes the loop on any event (a run back, a stop, an unpause); an event before the wait is not lost. */
class Nudge {
  private pending = false;
  private resolve: (() => void) | null = null;

  notify(): void {
    this.pending = true;
    this.resolve?.();
  }

  async wait(): Promise<void> {
    if (!this.pending) await new Promise<void>((resolve) => (this.resolve = resolve));
    this.pending = false;
    this.resolve = null;
  }
}

export class ParallelLoop extends ExperimentLoop {
  private readonly slots: number;
  private readonly context: SlotContext;
  private readonly running = new Map<number, Promise<void>>();
  /** Per run in flight: cancels it alone (a run no verdict will use), beside the loop's own abort. */
  private readonly cancels = new Map<number, AbortController>();
  private readonly nudge = new Nudge();
  private failure: unknown = null;
  /** The proposer had nothing for a speculative start: not asked again until a verdict changes the history. */
  private dry = false;
  /** Why no new decision may start (the proposer is done, or a proposed change cannot finish in the limits). */
  private closed: Ending | null = null;
  private limited: string | null = null;
  /** Proposals made at once, one per free slot, where the proposer may be asked concurrently (null: one at a time). */
  private readonly proposals: ProposalsUnderWay | null;
  /** Keep commits made ahead of their verdicts, by candidate id, so a probable keep's controls can start early. */
  private readonly ahead = new Map<number, string>();

  constructor(opened: OpenedSession, deps: LoopDeps, built: BuiltExecutor, options: { pollMs?: number } = {}) {
    super(opened, deps);
    this.slots = built.executor.slots;
    const checkouts = Checkouts.of(opened.workspace);
    this.context = { opened, deps: { ...deps, plans: this.plans }, executor: built.executor, checkouts, gpusPerRun: built.gpusPerRun, pollMs: options.pollMs };
    this.proposals = deps.proposer.concurrent
      ? new ProposalsUnderWay(
          path.join(path.dirname(opened.workspace.dir), 'proposals'),
          (workspace) => this.makeProposal(workspace, this.deps.experiments.forSession(this.id)),
          () => this.nudge.notify(),
        )
      : null;
  }

  override requestStop(now = false): void {
    super.requestStop(now);
    this.nudge.notify();
  }

  override pause(paused: boolean): void {
    super.pause(paused);
    this.nudge.notify();
  }

  protected override async iterate(): Promise<Ending> {
    try {
      await this.reattach();
      return await this.drive();
    } finally {
      // Whatever ends the loop (a stop, an error), no run is left followed by nobody while it still writes the log.
      await Promise.allSettled(this.running.values());
      // Proposals still under way are not recorded (their turns stay in the log): the session is ending.
      await this.proposals?.close();
    }
  }

  private async drive(): Promise<Ending> {
    let checkpoint: Checkpoint | undefined;
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.stopRequested) return this.drain({ status: 'stopped', reason: 'stopped by the user' });
      if (this.paused) {
        await this.nudge.wait();
        continue;
      }
      const rows = this.deps.experiments.forSession(this.id);
      const next = this.plan(rows, checkpoint);
      checkpoint = next.checkpoint;
      if (next.commits.length === 0 && (await this.recordMade(rows, checkpoint))) continue;
      if (next.commits.length > 0) {
        // In order; a keep moves the head, so the schedule is asked again at once.
        for (const commit of next.commits) await this.finalize(commit.candidate, commit.decision);
        this.dry = false;
        continue;
      }
      this.cancelObsolete(next);
      const ending = next.ending ?? (this.closed && firstIsProposal(next) ? this.closed : null);
      if (ending && this.idle()) return ending;
      const started = ending ? 0 : await this.start(next.starts, rows);
      if (started === 'again') continue;
      if (started === 0 && this.idle()) return this.closed ?? { status: 'finished', reason: 'the schedule has nothing left to run' };
      await this.nudge.wait();
    }
  }

  private plan(rows: ExperimentRow[], checkpoint: Checkpoint | undefined): Plan {
    const { options, session } = this.opened;
    return plan({
      rows,
      rule: {
        baselineCommit: session.baseline_commit!,
        goal: session.goal,
        baselineRuns: options.baselineRuns,
        controlEvery: options.controlEvery,
        policy: this.deps.policy,
      },
      slots: Math.max(0, this.slots - this.busy()),
      proposing: this.proposals?.count ?? 0,
      limit: (work, need, inFlight) => limitEnding(work, rows, options, need, Date.now(), inFlight),
      checkpoint,
      ahead: this.ahead,
    });
  }

  /** Starts the planned runs in order; a proposal is the last of a round (the schedule is asked again after it). */
  private async start(starts: readonly Planned[], rows: ExperimentRow[]): Promise<number | 'again'> {
    let count = 0;
    for (const start of starts) {
      if (this.stopRequested || this.busy() >= this.slots) break;
      switch (start.type) {
        case 'head':
          if (start.ahead) await this.measureAhead(start.ahead, start.kind, start.description, start.seed);
          else await this.measureHead(start.kind, start.description, start.seed);
          break;
        case 'confirm':
          await this.confirm(start.candidate, start.seed, start.reason);
          break;
        case 'rerun':
          await this.rerun(start.interrupted);
          break;
        case 'retest':
          await this.retest(start.of, start.seed);
          break;
        case 'propose':
          if (this.closed || (start.speculative && this.dry)) return count;
          // Made in a scratch checkout of its own and recorded when done (recordMade); a proposer
          // that had nothing last time is asked the rule's own turn one at a time, to end the session.
          if (!this.proposals || this.dry) return this.propose(start, rows);
          this.proposals.start(this.opened.workspace, this.head);
          break;
      }
      count++;
    }
    return count;
  }

  private async propose(start: Planned & { type: 'propose' }, rows: ExperimentRow[]): Promise<'again'> {
    this.limited = null;
    const ending = await this.proposeAndRun(rows, start);
    if (ending && this.limited === null && start.speculative) this.dry = true;
    else if (ending) this.closed = ending;
    return 'again';
  }

  /**
   * A run of the commit `candidate` will make if kept, before its verdict: the commit is the one
   * finalize() makes (keep-commit.ts is a function of the row), so if the keep comes these runs
   * are its new baseline's; if not, the schedule cancels them and they stay as data.
   */
  private async measureAhead(candidate: ExperimentRow, kind: 'baseline' | 'control', description: string, seed: number): Promise<void> {
    let commit = this.ahead.get(candidate.id);
    if (commit === undefined) {
      commit = await keepCommit(this.opened.workspace, candidate);
      this.ahead.set(candidate.id, commit);
    }
    void this.execute(this.create({ kind, description, seed, decision: 'baseline', base_commit: commit }));
  }

  /**
   * A superseded candidate's change again on the new head (its checkout applies the diff there).
   * A change that no longer applies (it edits the lines the kept one changed) is rejected unrun.
   */
  private async retest(of: ExperimentRow, seed: number): Promise<void> {
    const { kind, description, hypothesis, change_key, spec_json, diff, min_runs, proposer, design } = of;
    const row = this.create({
      kind,
      description,
      hypothesis,
      change_key,
      spec_json,
      diff,
      min_runs,
      proposer,
      design,
      retry_of: of.id,
      seed,
      decision: 'pending',
    });
    const { workspace } = this.opened;
    await workspace.resetTo(this.head);
    try {
      await workspace.apply(diff);
    } catch (error) {
      // git apply's refusal is the answer; any other failure (git itself, the disk) is not.
      if (!/patch does not apply|patch failed/.test((error as Error).message)) throw error;
      rejectRun(this.deps, row, `its change no longer applies on ${this.head.slice(0, 7)}, the head the kept change made`);
      return;
    } finally {
      await workspace.resetTo(this.head);
    }
    void this.execute(row);
  }

  /**
   * A proposal made meanwhile, recorded on the seed of its turn once a slot is free for its
   * screen; true when the loop should plan again. One made on a head a keep has since replaced is
   * dropped: its diff was made against code that is no longer the baseline.
   */
  private async recordMade(rows: ExperimentRow[], checkpoint: Checkpoint | undefined): Promise<boolean> {
    const outcome = this.proposals?.take();
    if (!outcome) return false;
    if ('error' in outcome) throw outcome.error;
    if ('nothing' in outcome) {
      this.dry = true;
      return true;
    }
    const { made } = outcome;
    if (made.head !== this.head) {
      this.deps.bus.emit({ type: 'warning', message: `a proposal made on ${made.head.slice(0, 7)} was dropped: a keep replaced that code meanwhile` });
      return true;
    }
    // Its turn: the first proposal the schedule starts, now that this one no longer holds it.
    const turn = this.plan(rows, checkpoint).starts.find((s) => s.type === 'propose');
    if (!turn) {
      this.proposals!.putBack(outcome);
      return false;
    }
    this.limited = null;
    const ending = await this.recordProposal(rows, made, turn);
    if (ending) this.closed = ending;
    return true;
  }

  /** Slots taken: runs in flight, and proposals under way (each will take one for its screen). */
  private busy(): number {
    return this.running.size + (this.proposals?.count ?? 0);
  }

  private idle(): boolean {
    return this.busy() === 0;
  }

  /** As loop.ts's, counting what is in flight: the runs, and the decisions under way. */
  protected override proposedLimit(rows: ExperimentRow[], need: number): string | null {
    const decisions = rows.filter((e) => isCandidate(e) && e.decision === 'pending').length;
    this.limited = limitEnding('proposed', rows, this.opened.options, need, Date.now(), { runs: this.running.size, decisions });
    return this.limited;
  }

  /**
   * Runs in flight that no verdict will use (on a head a keep has left, or of a superseded
   * candidate) are cancelled, so their slots go to runs the rule needs; each is recorded as
   * interrupted with why, and what it logged stays.
   */
  private cancelObsolete(next: Plan): void {
    for (const row of next.obsolete) {
      const cancel = this.cancels.get(row.id);
      if (!cancel || cancel.signal.aborted) continue;
      const aheadOf = [...this.ahead].find(([, commit]) => commit === row.base_commit)?.[0];
      const why =
        aheadOf !== undefined && this.deps.experiments.get(aheadOf)?.decision !== 'keep'
          ? `cancelled: it measured ${row.base_commit.slice(0, 7)} ahead of #${aheadOf}'s verdict, and #${aheadOf} was not kept`
          : row.base_commit !== next.head
            ? `cancelled: it measured ${row.base_commit.slice(0, 7)}, which a keep has replaced, so no verdict will use it`
            : 'cancelled: its change was superseded by a keep, so no verdict will use it';
      cancel.abort(why);
    }
  }

  /** Hands the row to a slot and returns at once; the loop hears of its end through the nudge. */
  protected override execute(row: ExperimentRow): Promise<void> {
    const cancel = new AbortController();
    this.cancels.set(row.id, cancel);
    const measured = runInSlot(this.context, row, AbortSignal.any([this.abort.signal, cancel.signal]))
      .catch((error: unknown) => {
        // An executor that stopped answering (measure-on-executor.ts gave up): the loop ends with it.
        this.failure ??= error;
      })
      .finally(() => {
        this.running.delete(row.id);
        this.cancels.delete(row.id);
        this.nudge.notify();
      });
    this.running.set(row.id, measured);
    return Promise.resolve();
  }

  /** The runs a previous agent left in flight: followed again where the executor knows them. */
  private async reattach(): Promise<void> {
    const { experiments, bus } = this.deps;
    const { executor, checkouts } = this.context;
    const rows = experiments.forSession(this.id);
    const left = rows.filter((e) => e.status === 'running' || e.status === 'queued');
    // Runs a previous agent started ahead of a verdict: their commits are found again, being a function of the row.
    const bases = new Set(left.map((e) => e.base_commit));
    for (const candidate of rows.filter((e) => isCandidate(e) && e.decision === 'pending' && e.status !== 'rejected')) {
      const commit = await keepCommit(this.opened.workspace, candidate);
      if (bases.has(commit)) this.ahead.set(candidate.id, commit);
    }
    const found: ExperimentRow[] = [];
    for (const row of left) {
      const name = runName(this.id, row.id, ATTEMPT);
      // A queued row too: the agent may have died between the submit and marking the row running.
      const status = await executor.find({ name, runDir: runDirOf(checkouts, name) });
      if (status) found.push(row);
      else experiments.interrupted(row.id, 'the agent stopped before this run reached its executor; re-run', null);
    }
    // Checkouts of runs decided while no agent ran are not needed again.
    await checkouts.sweep(found.map((row) => runName(this.id, row.id, ATTEMPT)));
    if (found.length > 0)
      bus.emit({
        type: 'warning',
        message: `re-attached ${found.length} run${found.length === 1 ? '' : 's'} still in flight: ${found.map((e) => `#${e.id}`).join(', ')}`,
      });
    for (const row of found) await this.execute(row);
  }

  private async drain(ending: Ending): Promise<Ending> {
    while (this.running.size > 0) await this.nudge.wait();
    if (this.failure) throw this.failure;
    return ending;
  }
}

const runDirOf = (checkouts: Checkouts, name: string): string => path.dirname(checkouts.dirOf(name));

/** The first start is the rule's own (not a guess) and asks for a new change: a session ending on "nothing left" ends there. */
function firstIsProposal(next: Plan): boolean {
  const first = next.starts[0];
  return first === undefined || (first.type === 'propose' && !first.speculative);
}
