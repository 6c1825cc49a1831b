/**
 * Runs as Slurm batch jobs (docs/design.md, "Executors"), through the CLI tools as installed
 * and SLURM_CONF. A job is named after its run, so an agent restarted after kill -9 finds its
 * runs again by name (squeue) or by their result in the run folder; a submit of a name already
 * submitted returns that job, so a run is never started twice. Results come back only through
 * the run folder: Slurm's accounting need not be configured.
 */
import fs from 'node:fs';
import path from 'node:path';
import { prepareRunFolder, readResult } from './run-folder.ts';
import { sbatchArgs, splitSlurmArgs } from './slurm-args.ts';
import { defaultCli, type QueueRow, type SlurmCli, SlurmCommandError, sbatch, scancel, scontrolJob, squeue } from './slurm-cli.ts';
import { type ProbeResult, probe } from './slurm-probe.ts';
import { pendingTooLong, runStatus } from './slurm-state.ts';
import type { Executor, RunSpec, RunStatus } from './types.ts';

/** The job id, written into the run folder once sbatch accepted the run. */
export const JOB_ID_FILE = 'slurm-job-id';

export interface SlurmOptions {
  /** Jobs in flight at once (`--parallel N`). */
  slots: number;
  /** The user's `--slurm-args "…"`, passed to sbatch after nightshift's own options. */
  slurmArgs?: string;
  /** A job pending longer than this is cancelled and reported vanished (default two hours). */
  pendingLimitS?: number;
  /** How long a missing result.json is awaited after its job ended (default 60 s, for NFS). */
  resultGraceS?: number;
  /** The tools' environment; the agent's own (with its SLURM_CONF) by default. */
  env?: NodeJS.ProcessEnv;
  /** The clock, for tests. */
  now?: () => number;
}

type Named = Pick<RunSpec, 'name' | 'runDir'>;

export class SlurmExecutor implements Executor {
  readonly kind = 'slurm';
  readonly slots: number;
  private readonly cli: SlurmCli;
  private readonly userArgs: string[];
  private readonly pendingLimitS: number;
  private readonly resultGraceS: number;
  private readonly now: () => number;

  constructor(options: SlurmOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) throw new Error(`--parallel must be a whole number of at least 1, not ${options.slots}`);
    this.slots = options.slots;
    this.cli = { ...defaultCli(), ...(options.env ? { env: options.env } : {}) };
    this.userArgs = splitSlurmArgs(options.slurmArgs ?? '');
    this.pendingLimitS = options.pendingLimitS ?? 2 * 3600;
    this.resultGraceS = options.resultGraceS ?? 60;
    this.now = options.now ?? Date.now;
  }

  /** Checks that a job can start and that the nodes see folders made under `dir`; throws one sentence if not. */
  probe(dir: string, timeoutMs = 60_000): Promise<ProbeResult> {
    return probe(this.cli, { dir, timeoutMs, userArgs: this.userArgs });
  }

  async submit(spec: RunSpec): Promise<RunStatus> {
    const found = await this.find(spec);
    if (found) return found;
    const wrapper = prepareRunFolder(spec);
    let id: string;
    try {
      id = await sbatch(this.cli, sbatchArgs(spec, wrapper, this.userArgs));
    } catch (error) {
      if (error instanceof SlurmCommandError) throw new Error(`Slurm refused run ${spec.name}: ${error.detail.replace(/\.$/, '')}.`);
      throw error;
    }
    fs.writeFileSync(path.join(spec.runDir, JOB_ID_FILE), `${id}\n`);
    return { name: spec.name, id, state: 'pending', reason: `Slurm job ${id} was just submitted.` };
  }

  async find(spec: Named): Promise<RunStatus | null> {
    const status = (await this.observe([spec])).get(spec.name) ?? null;
    if (status?.id === undefined || (status.state !== 'running' && status.state !== 'pending')) return status;
    // squeue names the node; scontrol adds the GPUs the job holds there.
    const details = await scontrolJob(this.cli, status.id);
    const node = details?.fields.BatchHost ?? status.node;
    return { ...status, ...(node && node !== '(null)' ? { node } : {}), ...(details?.gpus.length ? { gpus: details.gpus } : {}) };
  }

  async status(specs: readonly Named[]): Promise<Map<string, RunStatus>> {
    const seen = await this.observe(specs);
    const statuses = new Map<string, RunStatus>();
    for (const spec of specs) {
      statuses.set(spec.name, seen.get(spec.name) ?? { name: spec.name, state: 'vanished', reason: `No Slurm job named ${spec.name} was ever submitted.` });
    }
    return statuses;
  }

  async cancel(spec: Named): Promise<void> {
    const status = await this.find(spec);
    if (status?.id !== undefined && (status.state === 'pending' || status.state === 'running')) await scancel(this.cli, status.id);
  }

  /** One squeue for all the names, then each run folder. */
  private async observe(specs: readonly Named[]): Promise<Map<string, RunStatus>> {
    const byName = new Map<string, QueueRow>();
    for (const row of await squeue(this.cli, [...new Set(specs.map((s) => s.name))])) {
      const held = byName.get(row.name);
      if (held === undefined || Number(row.id) > Number(held.id)) byName.set(row.name, row);
    }
    const limits = { now: this.now(), pendingLimitS: this.pendingLimitS, resultGraceS: this.resultGraceS };
    const statuses = new Map<string, RunStatus>();
    for (const spec of specs) {
      const row = byName.get(spec.name);
      // Read after squeue: a job gone from the queue wrote its result (if ever) before it went.
      const result = readResult(spec.runDir);
      if (!result && pendingTooLong(row, limits)) await scancel(this.cli, row!.id);
      const status = runStatus({ name: spec.name, row, recordedId: recordedId(spec.runDir), result }, limits);
      if (status) statuses.set(spec.name, status);
    }
    return statuses;
  }
}

/** The job id the run folder records, if sbatch accepted the run. */
function recordedId(runDir: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(runDir, JOB_ID_FILE), 'utf8').trim();
    return /^\d+$/.test(text) ? text : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
