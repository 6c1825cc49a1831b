import { isCandidate, isHeadRun } from '../session/kinds.ts';
import type { ExperimentRow } from '../store/types.ts';

/** A run that was started (or is about to be) and has not come to an end. */
export const inFlight = (e: Pick<ExperimentRow, 'status'>): boolean => e.status === 'queued' || e.status === 'running';

/**
 * The session's rows as they are (the "physical" log), indexed by what a run measured and on
 * which seed, so the replay (replay.ts) can find the row that realises each run the sequential
 * rule asks for, whenever and in whatever order it was started.
 */
export class Physical {
  readonly byId = new Map<number, ExperimentRow>();
  /** Candidates proposed as themselves (not re-runs or re-tests), oldest first: the queue of proposals. */
  readonly proposals: ExperimentRow[] = [];
  private readonly headRuns = new Map<string, ExperimentRow[]>();
  private readonly confirms = new Map<string, ExperimentRow[]>();
  private readonly retries = new Map<number, ExperimentRow[]>();

  /**
   * `ahead`: the commits made so far for candidates not yet kept (their keep commit, made early so
   * the runs of a probable keep's new baseline can start before its verdict), by candidate id.
   */
  constructor(
    readonly rows: readonly ExperimentRow[],
    readonly ahead: ReadonlyMap<number, string> = new Map(),
  ) {
    const add = <K>(map: Map<K, ExperimentRow[]>, key: K, row: ExperimentRow) => map.set(key, [...(map.get(key) ?? []), row]);
    for (const row of [...rows].sort((a, b) => a.id - b.id)) {
      this.byId.set(row.id, row);
      if (isHeadRun(row)) add(this.headRuns, `${row.base_commit} ${row.seed}`, row);
      else if (row.kind === 'confirm' && row.parent_id !== null) add(this.confirms, `${row.parent_id} ${row.seed}`, row);
      else if (isCandidate(row) && row.retry_of !== null) add(this.retries, row.retry_of, row);
      else if (isCandidate(row)) this.proposals.push(row);
    }
  }

  /** The first run of commit `head` on `seed` that the replay has not used yet. */
  headRun(head: string, seed: number, used: ReadonlySet<number>): ExperimentRow | undefined {
    return this.headRuns.get(`${head} ${seed}`)?.find((e) => !used.has(e.id));
  }

  confirm(candidate: number, seed: number, used: ReadonlySet<number>): ExperimentRow | undefined {
    return this.confirms.get(`${candidate} ${seed}`)?.find((e) => !used.has(e.id));
  }

  /** The re-run of an interrupted candidate, or the re-test of a superseded one (both point back with retry_of). */
  retry(of: number, used: ReadonlySet<number>): ExperimentRow | undefined {
    return this.retries.get(of)?.find((e) => !used.has(e.id));
  }

  /** Runs started and not ended. */
  inFlight(): ExperimentRow[] {
    return this.rows.filter(inFlight);
  }
}
