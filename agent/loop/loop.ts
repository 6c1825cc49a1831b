import type { DecisionPolicy } from '../decide/types.ts';
import { describeEnvironmentFailure } from '../errors.ts';
import type { Proposal, Proposer } from '../proposers/types.ts';
import type { Db } from '../store/db.ts';
import type { ExperimentStore, NewExperiment } from '../store/experiments.ts';
import type { MetricsWriter } from '../store/metrics.ts';
import { PlanStore } from '../store/plans.ts';
import type { SessionStore } from '../store/sessions.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import type { EventBus } from './events.ts';
import { executeRun, rejectRun } from './execute-run.ts';
import { keepCommit } from './keep-commit.ts';
import type { OpenedSession } from './session-setup.ts';
import { nextAction, type Rule, type Verdict, verdictRecord } from '../schedule/next-action.ts';
import { isCandidate } from '../session/kinds.ts';
import { isSimplification } from '../session/simplification.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { limitEnding, type Work } from './limits.ts';
import { sessionPlan } from './plan.ts';

export interface LoopDeps {
  db: Db;
  sessions: SessionStore;
  experiments: ExperimentStore;
  metrics: MetricsWriter;
  proposer: Proposer;
  policy: DecisionPolicy;
  bus: EventBus;
}

export type Ending = { status: 'stopped' | 'finished'; reason: string };
/** The seeds of a proposal's turn: it screens on screenSeed, or on designSeed as a design point. */
export type Seeds = { screenSeed: number; designSeed: number };
/** A change the proposer made, not recorded yet: its whole diff, and the head it was made on. */
export interface MadeProposal {
  proposal: Proposal;
  whole: string;
  proposeS: number;
  head: string;
}
// biome-ignore lint/suspicious/noConfusingVoidType: a step may end the session (an Ending) or simply be done (void).
type Step = () => Promise<Ending | void>;
/** The next step and what it starts: the limits are checked on that (limits.ts). */
type Next = { work: Work; step: Step };

const HEARTBEAT_MS = 5000;
/** An edit is a change to a training script: past this it is a data dump, not an experiment. */
const MAX_EDIT_BYTES = 2 ** 20;
const KEPT_OF_OVERSIZE_EDIT = 64 * 2 ** 10;
const SELF_REPORTED =
  "the metric is self-reported: the training script prints it, so a change to that script can change the score; give nightshift.json an 'evaluate' (and 'predict') command to seal it (docs/design.md)";

/**
 * The experiment loop: baseline, then propose → apply → run → decide, until the limit, the
 * proposer runs dry, or the user stops it. Every next step is derived from the log.
 */
export class ExperimentLoop {
  protected stopRequested = false;
  protected paused = false;
  private wake: (() => void) | null = null;
  protected readonly abort = new AbortController();
  protected head: string;
  protected readonly id: number;
  protected readonly plans: PlanStore;

  constructor(
    protected readonly opened: OpenedSession,
    protected readonly deps: LoopDeps,
  ) {
    this.id = opened.session.id;
    this.head = opened.session.head_commit!;
    this.plans = new PlanStore(deps.db);
  }

  /** First call: finish the run in flight, then end. Second (or now=true): stop the run in flight too. */
  requestStop(now = false): void {
    const immediate = now || this.stopRequested;
    this.stopRequested = true;
    if (immediate) this.abort.abort();
    this.wake?.();
    this.deps.bus.emit({ type: 'stop-requested', now: immediate });
  }

  /** Paused, the run in flight finishes and nothing new starts until unpaused; a stop request ends the wait. */
  pause(paused: boolean): void {
    this.paused = paused;
    this.deps.sessions.setPaused(this.id, paused);
    if (!paused) this.wake?.();
  }

  async run(): Promise<SessionRow> {
    const { sessions, bus, metrics } = this.deps;
    bus.emit({ type: 'session-started', session: this.opened.session, resumed: this.opened.resumed, interrupted: this.opened.interrupted });
    const plan = sessionPlan(this.opened, this.deps.proposer, this.deps.experiments.forSession(this.id), Date.now());
    // Stored before it is said: the dashboard reads it from the log, as `watch` does.
    sessions.setPlan(this.id, JSON.stringify(plan));
    bus.emit(plan);
    if (this.opened.isolation.warning) bus.emit({ type: 'warning', message: this.opened.isolation.warning });
    if (this.opened.session.seal === 'self-reported') bus.emit({ type: 'warning', message: SELF_REPORTED });
    const heartbeat = setInterval(() => {
      try {
        sessions.heartbeat(this.id);
      } catch {
        // A full disk or a locked log: the loop itself will meet the problem and report it.
      }
    }, HEARTBEAT_MS);
    try {
      const ending = await this.iterate();
      // Leave the workspace at the last kept commit: every tried change lives on in the log.
      await this.opened.workspace.resetTo(this.head);
      metrics.flush();
      sessions.end(this.id, ending.status, ending.reason);
    } catch (error) {
      // A machine failure (a full disk) leaves the session 'running', so the next run on this
      // log resumes it by itself; so does a log that cannot be written at all.
      if (!describeEnvironmentFailure(error)) {
        try {
          metrics.flush();
          sessions.end(this.id, 'stopped', `error: ${(error as Error).message}`);
        } catch {
          // Reported by the error being thrown.
        }
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
      await this.deps.proposer.close?.();
    }
    const session = sessions.get(this.id)!;
    bus.emit({ type: 'session-ended', session });
    return session;
  }

  /** Steps until an ending: the user's stop at any step, the limits only between decisions. */
  protected async iterate(): Promise<Ending> {
    for (;;) {
      while (this.paused && !this.stopRequested) await new Promise<void>((resolve) => (this.wake = resolve));
      if (this.stopRequested) return { status: 'stopped', reason: 'stopped by the user' };
      const rows = this.deps.experiments.forSession(this.id);
      const next = this.nextStep(rows);
      if ('status' in next) return next;
      const limit = limitEnding(next.work, rows, this.opened.options, 1, Date.now());
      if (limit) return { status: 'finished', reason: limit };
      const ending = await next.step();
      if (ending) return ending;
    }
  }

  private nextStep(rows: ExperimentRow[]): Next | Ending {
    const { options, session } = this.opened;
    const rule: Rule = {
      head: this.head,
      baselineCommit: session.baseline_commit!,
      goal: session.goal,
      baselineRuns: options.baselineRuns,
      controlEvery: options.controlEvery,
      policy: this.deps.policy,
    };
    const action = nextAction(rows, rule);
    switch (action.type) {
      case 'stop':
        return { status: 'stopped', reason: action.reason };
      case 'rerun':
        return { work: 'continue', step: () => this.rerun(action.interrupted) };
      case 'head':
        return { work: 'head', step: () => this.measureHead(action.kind, action.description, action.seed) };
      case 'verdict':
        return { work: 'continue', step: () => this.finalize(action.candidate, action.decision) };
      case 'confirm':
        return { work: 'continue', step: () => this.confirm(action.candidate, action.seed, action.reason) };
      case 'propose':
        return { work: 'candidate', step: () => this.proposeAndRun(rows, action) };
    }
  }

  /** A run of the last kept state, unchanged: the initial baseline, or a control that re-measures it. */
  protected async measureHead(kind: 'baseline' | 'control', description: string, seed: number): Promise<void> {
    await this.opened.workspace.resetTo(this.head);
    const row = this.create({ kind, description, seed, decision: 'baseline' });
    await this.execute(row);
  }

  /** The interrupted candidate again on its own seed; the parallel schedule also re-tests a superseded one on `seed`. */
  protected async rerun(interrupted: ExperimentRow, seed = interrupted.seed): Promise<void> {
    await this.opened.workspace.resetTo(this.head);
    await this.opened.workspace.apply(interrupted.diff);
    const row = this.create({
      kind: interrupted.kind,
      description: interrupted.description,
      hypothesis: interrupted.hypothesis,
      change_key: interrupted.change_key,
      spec_json: interrupted.spec_json,
      diff: interrupted.diff,
      retry_of: interrupted.id,
      seed,
      min_runs: interrupted.min_runs,
      proposer: interrupted.proposer,
      design: interrupted.design,
      decision: 'pending',
    });
    await this.execute(row);
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: as Step.
  protected async proposeAndRun(rows: ExperimentRow[], seeds: Seeds): Promise<Ending | void> {
    const { workspace } = this.opened;
    await workspace.resetTo(this.head);
    const made = await this.makeProposal(workspace, rows);
    if (!made) return this.nothingLeft();
    return this.recordProposal(rows, made, seeds);
  }

  /** Asks the proposer for one change, made in `workspace` (at the head, clean); null when it has nothing left. */
  protected async makeProposal(workspace: Workspace, rows: readonly ExperimentRow[]): Promise<MadeProposal | null> {
    const head = this.head;
    this.deps.bus.emit({ type: 'proposing' });
    const started = performance.now();
    const proposal = await this.deps.proposer.propose({
      workspace,
      sandbox: this.opened.sandbox.config,
      history: rows,
      signal: this.abort.signal,
      warn: (message) => this.deps.bus.emit({ type: 'warning', message }),
    });
    if (!proposal) return null;
    return { proposal, whole: await workspace.diff(), proposeS: (performance.now() - started) / 1000, head };
  }

  protected nothingLeft(): Ending {
    return { status: 'finished', reason: `the ${this.deps.proposer.name} has nothing left to try` };
  }

  /** A made proposal as a row of the log, on the rule's seed for its turn, and its screen run; or why it may not run. */
  // biome-ignore lint/suspicious/noConfusingVoidType: as Step.
  protected async recordProposal(rows: ExperimentRow[], made: MadeProposal, seeds: Seeds): Promise<Ending | void> {
    const { proposal, whole, proposeS } = made;
    // An edit past the cap is recorded by its start only, and rejected: the log must not grow by megabytes per proposal.
    const oversize = Buffer.byteLength(whole) > MAX_EDIT_BYTES;
    const diff = oversize
      ? `${whole.slice(0, KEPT_OF_OVERSIZE_EDIT)}\n[nightshift] the rest of this ${Buffer.byteLength(whole)}-byte edit was not stored\n`
      : whole;
    // Now that the change is known, the runs it may need are too: one that cannot finish is dropped unstarted.
    const spec_json = proposal.spec ? JSON.stringify(proposal.spec) : null;
    const need = proposal.design ? 1 : this.deps.policy.maxRunsPerCandidate(proposal.minRuns, isSimplification({ spec_json, diff }));
    const limit = this.proposedLimit(rows, need);
    if (limit) {
      await this.opened.workspace.resetTo(this.head);
      return { status: 'finished', reason: limit };
    }
    const row = this.create({
      kind: proposal.kind,
      description: proposal.description,
      hypothesis: proposal.hypothesis,
      change_key: proposal.changeKey,
      spec_json,
      diff,
      seed: proposal.design ? seeds.designSeed : seeds.screenSeed,
      design: proposal.design ?? null,
      min_runs: proposal.minRuns,
      proposer: proposal.proposer ?? this.deps.proposer.name,
      decision: 'pending',
      propose_s: proposeS,
    });
    proposal.recorded?.(row.id);
    if (diff.trim() === '') return this.reject(row, 'the proposal changed nothing');
    if (oversize)
      return this.reject(
        row,
        `the edit is ${(Buffer.byteLength(whole) / 2 ** 20).toFixed(1)} MiB, over the edit-size limit of ${MAX_EDIT_BYTES / 2 ** 20} MiB`,
      );
    const twin = rows.find((e) => isCandidate(e) && e.decision === 'pending' && e.base_commit === this.head && e.diff === diff);
    if (twin) return this.reject(row, `the same change as #${twin.id}, which is under way`);
    await this.execute(row);
  }

  /** A confirmation run of a candidate, on the seed the rule asked for. */
  protected async confirm(candidate: ExperimentRow, seed: number, reason: string): Promise<void> {
    await this.opened.workspace.resetTo(this.head);
    await this.opened.workspace.apply(candidate.diff);
    const row = this.create({
      kind: 'confirm',
      description: `confirm #${candidate.id} (${candidate.description}), seed ${seed}`,
      hypothesis: reason,
      diff: candidate.diff,
      parent_id: candidate.id,
      seed,
      proposer: candidate.proposer,
    });
    await this.execute(row);
  }

  protected async finalize(candidate: ExperimentRow, decision: Verdict): Promise<void> {
    const { workspace } = this.opened;
    let commit: string | null = null;
    if (decision.verdict === 'keep') {
      commit = await keepCommit(workspace, candidate);
      await workspace.resetTo(commit);
    }
    this.deps.db.transaction(() => {
      this.deps.experiments.decided(candidate.id, verdictRecord(decision, commit));
      if (commit) this.deps.sessions.setCommits(this.id, { head: commit });
    })();
    if (commit) this.head = commit;
    this.deps.bus.emit({ type: 'decided', experiment: this.deps.experiments.get(candidate.id)! });
  }

  /** Whether a proposed change may start, now that the runs it may need are known (parallel-loop.ts counts its runs in flight). */
  protected proposedLimit(rows: ExperimentRow[], need: number): string | null {
    return limitEnding('proposed', rows, this.opened.options, need, Date.now());
  }

  protected reject(row: ExperimentRow, reason: string): void {
    rejectRun(this.deps, row, reason);
  }

  protected create(fields: Partial<NewExperiment> & Pick<NewExperiment, 'kind' | 'description' | 'seed'>): ExperimentRow {
    return this.deps.experiments.create({ session_id: this.id, base_commit: this.head, proposer: 'agent', ...fields });
  }

  /** Measures one row's run in the workspace as it stands (execute-run.ts), letting the proposer think meanwhile. */
  protected execute(row: ExperimentRow): Promise<void> {
    const { workspace, sandbox } = this.opened;
    const { experiments, bus } = this.deps;
    return executeRun(this.opened, { ...this.deps, plans: this.plans }, row, this.abort.signal, async () => {
      await this.deps.proposer.prefetch?.({
        workspace,
        sandbox: sandbox.config,
        history: experiments.forSession(this.id),
        signal: this.abort.signal,
        // A speculation that fails by a bug says so, as a propose() would.
        warn: (message) => bus.emit({ type: 'warning', message }),
      });
    });
  }
}
