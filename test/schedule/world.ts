import { createHash } from 'node:crypto';
import { type Verdict, verdictRecord } from '../../agent/schedule/next-action.ts';
import type { Start } from '../../agent/schedule/types.ts';
import { gaussian, mulberry32 } from '../../agent/stats/random.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { row } from '../ui/rows.ts';

/**
 * A simulated sandbox for schedule tests: a run's result is a function of what it measured (its
 * commit, and its change if any) and its seed alone, never of when it ran, as a real run's is.
 * The noise has a part shared by every run on one seed (seed correlation) and a part of its own.
 */
export interface Change {
  key: string;
  /** Its true effect on the metric (lower is better). */
  effect: number;
  minRuns?: number;
  /** Seeds on which its run crashes. */
  crashes?: readonly number[];
}

export interface WorldOptions {
  sd?: number;
  /** Share of the variance common to all runs on one seed. */
  rho?: number;
  mean?: number;
}

const hashSeed = (text: string): number => createHash('sha1').update(text).digest().readUInt32LE(0);
const normal = (text: string): number => gaussian(mulberry32(hashSeed(text)))();

export class World {
  rows: ExperimentRow[] = [];
  head = 'c0';
  private readonly truth = new Map<string, number>([['c0', 0]]);
  private readonly changes = new Map<string, Change>();

  constructor(
    changes: readonly Change[],
    private readonly options: WorldOptions = {},
  ) {
    for (const c of changes) this.changes.set(c.key, c);
  }

  /** Commits made ahead of their keep (a probable keep's new baseline measured early), by candidate id. */
  readonly ahead = new Map<number, string>();

  /** A new row, in flight, as the loop would create it for `start` on the current head. */
  create(start: Start, change?: Change): ExperimentRow {
    const id = this.rows.length + 1;
    const base = { id, base_commit: this.head, status: 'running' as const, metric: null, decision: null, ended_at: null };
    let created: ExperimentRow;
    switch (start.type) {
      case 'head': {
        const on = start.ahead ? this.commitAhead(start.ahead) : this.head;
        created = row({ ...base, base_commit: on, kind: start.kind, description: start.description, seed: start.seed, decision: 'baseline' });
        break;
      }
      case 'confirm':
        created = row({
          ...base,
          kind: 'confirm',
          description: `confirm #${start.candidate.id}`,
          seed: start.seed,
          parent_id: start.candidate.id,
          change_key: start.candidate.change_key,
        });
        break;
      case 'rerun':
        created = { ...start.interrupted, ...base, seed: start.interrupted.seed, retry_of: start.interrupted.id, decision: 'pending', reason: null };
        break;
      case 'retest':
        created = { ...start.of, ...base, seed: start.seed, retry_of: start.of.id, decision: 'pending', reason: null };
        break;
      case 'propose':
        created = row({
          ...base,
          kind: 'tweak',
          description: change!.key,
          change_key: change!.key,
          diff: `+${change!.key}\n`,
          seed: start.screenSeed,
          decision: 'pending',
          min_runs: change!.minRuns ?? 1,
        });
        break;
    }
    this.rows.push(created);
    return created;
  }

  /** The run of row `id` comes back with its result. */
  finish(id: number): void {
    const at = this.rows.findIndex((e) => e.id === id);
    const e = this.rows[at]!;
    const key = e.change_key ?? '';
    const change = e.kind === 'baseline' || e.kind === 'control' ? undefined : this.changes.get(key);
    if (change?.crashes?.includes(e.seed)) {
      this.rows[at] = { ...e, status: 'crashed', reason: 'no final line' };
      return;
    }
    const { sd = 0.01, rho = 0.5, mean = 1 } = this.options;
    const config = change ? `${e.base_commit} ${key}` : e.base_commit;
    const noise = sd * (Math.sqrt(rho) * normal(`seed ${e.seed}`) + Math.sqrt(1 - rho) * normal(`${config} seed ${e.seed}`));
    const metric = mean + this.truth.get(e.base_commit)! + (change?.effect ?? 0) + noise;
    this.rows[at] = { ...e, status: 'done', metric };
  }

  /** A verdict recorded on its row, as the loop's finalize does; a keep moves the head. */
  decide(candidate: ExperimentRow, decision: Verdict): void {
    const at = this.rows.findIndex((e) => e.id === candidate.id);
    let commit: string | null = null;
    if (decision.verdict === 'keep') {
      commit = this.keepCommit(candidate);
      this.head = commit;
    }
    this.rows[at] = { ...this.rows[at]!, ...verdictRecord(decision, commit) };
  }

  /** The commit a keep of `candidate` makes: a function of its base and change alone, as keep-commit.ts's. */
  private keepCommit(candidate: ExperimentRow): string {
    const commit = createHash('sha1').update(`${candidate.base_commit} ${candidate.change_key}`).digest('hex').slice(0, 12);
    this.truth.set(commit, this.truth.get(candidate.base_commit)! + (this.changes.get(candidate.change_key!)?.effect ?? 0));
    return commit;
  }

  private commitAhead(candidate: ExperimentRow): string {
    const commit = this.keepCommit(candidate);
    this.ahead.set(candidate.id, commit);
    return commit;
  }
}
