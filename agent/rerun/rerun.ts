/**
 * `nightshift rerun ID`: the change of experiment ID re-measured on fresh seeds beside its base
 * commit, in a session of its own (rerun-session.ts), and the result compared with the log
 * (agreement.ts). Per seed, the base runs first and then the change, so drift over the runs
 * touches both alike. The base's runs are `baseline` rows; the change's first run is a candidate
 * row of the original's kind and the others its `confirm` rows. The candidate never goes to the
 * keep rule: it is finalized `revert` (nothing is committed) with the agreement as its reason.
 */
import { describeEnvironmentFailure } from '../errors.ts';
import type { EventBus } from '../loop/events.ts';
import { executeRun, type RunRecorder } from '../loop/execute-run.ts';
import { candidateRuns, measured } from '../session/candidates.ts';
import { isFinished, isHeadRun } from '../session/kinds.ts';
import type { ExperimentStore, NewExperiment } from '../store/experiments.ts';
import type { SessionStore } from '../store/sessions.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { type Agreement, agreement, agreementText } from './agreement.ts';
import type { RerunSession } from './rerun-session.ts';
import type { RerunTarget } from './target.ts';

export interface RerunDeps extends RunRecorder {
  sessions: SessionStore;
  experiments: ExperimentStore;
  bus: EventBus;
}

export interface RerunResult {
  session: SessionRow;
  agreement: Agreement | null;
}

const HEARTBEAT_MS = 5000;

/** Fresh seeds for the rerun: none its original session used, so the runs are new draws of the noise. */
export function rerunSeeds(used: readonly number[], count: number): number[] {
  const first = Math.max(0, ...used) + 1;
  return Array.from({ length: count }, (_, i) => first + i);
}

export class Rerun {
  private stopRequested = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly opened: RerunSession,
    private readonly target: RerunTarget,
    private readonly deps: RerunDeps,
    private readonly seeds: readonly number[],
  ) {}

  /** First call: finish the run in flight, then judge what was measured. Second (or now=true): stop the run in flight too. */
  requestStop(now = false): void {
    const immediate = now || this.stopRequested;
    this.stopRequested = true;
    if (immediate) this.abort.abort();
    this.deps.bus.emit({ type: 'stop-requested', now: immediate });
  }

  async run(): Promise<RerunResult> {
    const { sessions, bus } = this.deps;
    const id = this.opened.session.id;
    bus.emit({ type: 'session-started', session: this.opened.session, resumed: false, interrupted: [] });
    const heartbeat = setInterval(() => {
      try {
        sessions.heartbeat(id);
      } catch {
        // A full disk or a locked log: the next run's rows meet it too, and that error is reported.
      }
    }, HEARTBEAT_MS);
    try {
      const candidate = await this.measure();
      const result = candidate ? this.judge(candidate) : null;
      await this.opened.workspace.resetTo(this.opened.session.baseline_commit!);
      this.deps.metrics.flush();
      const what = `re-measured #${this.target.candidate.id}`;
      if (this.stopRequested) sessions.end(id, 'stopped', 'stopped by the user');
      else sessions.end(id, 'finished', result ? `${what}: ${result.verdict}` : `${what}: no run of the change`);
      const session = sessions.get(id)!;
      bus.emit({ type: 'session-ended', session });
      return { session, agreement: result };
    } catch (error) {
      // A full disk may refuse this too; the error that brought us here is the one to report.
      if (!describeEnvironmentFailure(error)) sessions.end(id, 'stopped', `error: ${(error as Error).message}`);
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Base, then change, on each seed; returns the change's candidate row (null if it never got one). */
  private async measure(): Promise<ExperimentRow | null> {
    const { workspace, session } = this.opened;
    const original = this.target.candidate;
    const base = session.baseline_commit!;
    let candidate: ExperimentRow | null = null;
    for (const seed of this.seeds) {
      if (this.stopRequested) break;
      await workspace.resetTo(base);
      await this.execute(this.create({ kind: 'baseline', description: `base of #${original.id}, seed ${seed}`, seed, decision: 'baseline' }));
      if (this.stopRequested) break;
      await workspace.resetTo(base);
      await workspace.apply(original.diff);
      const row: ExperimentRow = candidate
        ? this.create({ kind: 'confirm', description: `confirm #${candidate.id} (re-measure of #${original.id}), seed ${seed}`, parent_id: candidate.id, seed })
        : this.create({
            kind: original.kind,
            description: `re-measure #${original.id}: ${original.description}`,
            hypothesis: `#${original.id}'s logged result holds on fresh seeds`,
            change_key: original.change_key,
            spec_json: original.spec_json,
            seed,
            min_runs: this.seeds.length,
            decision: 'pending',
          });
      candidate ??= row;
      await this.execute(row);
      if (this.deps.experiments.get(row.id)!.status === 'rejected') break;
    }
    return candidate;
  }

  /** The agreement of what was measured with the log, stored as the candidate's verdict (none for a change rejected unrun). */
  private judge(candidate: ExperimentRow): Agreement | null {
    if (this.deps.experiments.get(candidate.id)!.status === 'rejected') return null;
    const rows = this.deps.experiments.forSession(this.opened.session.id);
    // The row as it ended, not as it was created.
    const runs = candidateRuns(rows, rows.find((e) => e.id === candidate.id)!);
    const now = { runs: measured(runs), base: measured(rows.filter(isHeadRun)) };
    const result = agreement(this.target.logged, now, this.target.candidate.delta);
    const partial = this.stopRequested ? `stopped after ${runs.filter(isFinished).length} of ${this.seeds.length} seeds; ` : '';
    this.deps.experiments.decided(candidate.id, {
      decision: 'revert',
      reason: `re-measure of #${this.target.candidate.id}, not a keep candidate: ${partial}${agreementText(result)}`,
      delta: result.delta,
      noise_sd: Number.isFinite(result.noise.change.sd) ? result.noise.change.sd : null,
      p_value: result.effect?.p ?? result.level?.p ?? null,
      ci_low: null,
      ci_high: null,
      n_runs: now.runs.length,
      commit_sha: null,
    });
    this.deps.bus.emit({ type: 'decided', experiment: this.deps.experiments.get(candidate.id)! });
    return result;
  }

  private create(fields: Partial<NewExperiment> & Pick<NewExperiment, 'kind' | 'description' | 'seed'>): ExperimentRow {
    const diff = fields.kind === 'baseline' ? '' : this.target.candidate.diff;
    return this.deps.experiments.create({
      session_id: this.opened.session.id,
      diff,
      base_commit: this.opened.session.baseline_commit!,
      proposer: 'rerun',
      ...fields,
    });
  }

  private execute(row: ExperimentRow): Promise<void> {
    return executeRun(this.opened, this.deps, row, this.abort.signal);
  }
}
