/**
 * Where a run executes (docs/design.md, "Executors"): a local process, a slot of a local GPU pool,
 * or a Slurm job. Every executor speaks through the run folder: the job writes its output to
 * `output.log` and, when the command ends, a small wrapper writes `result.json` (run-folder.ts).
 * So a run's result never depends on the agent that started it being alive, nor on Slurm's
 * accounting being configured, and an agent killed mid-run finds its runs again by name.
 */

/** What to run, and where its results come back. */
export interface RunSpec {
  /** Unique per attempt (`ns-<session>-<experiment>-<attempt>`): a second submit of a name finds the first. */
  name: string;
  /** The run folder: wrapper, `output.log`, `result.json`. Must be visible wherever the run executes. */
  runDir: string;
  /** The run's checkout: the command's working directory. */
  cwd: string;
  /** argv of the command (already wrapped in bubblewrap where the session isolates runs). */
  argv: readonly string[];
  /** The command's whole environment (the executor adds only CUDA_VISIBLE_DEVICES and NIGHTSHIFT_RUN_NAME). */
  env: Readonly<Record<string, string>>;
  /** GPUs this run needs (0 for a CPU run). */
  gpus: number;
  /** Wall-clock seconds after which the executor may kill the run (the budget plus grace). */
  timeLimitS: number;
}

/** Where a run is, as far as the executor can tell. */
export type RunState = 'pending' | 'running' | 'ended' | 'vanished';

/** Written by the wrapper when the command ends; read back from the run folder. */
export interface RunResult {
  /** The command's exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  endedAt: string;
  /** The host the command ran on. */
  node: string;
  /** The GPUs it was given (CUDA_VISIBLE_DEVICES), empty for none. */
  gpus: string[];
  /** Their model as nvidia-smi on the node names it ("A + B" for two models), or null (no GPU, no nvidia-smi). */
  gpuModel: string | null;
}

export interface RunStatus {
  name: string;
  state: RunState;
  /** The executor's own id (a pid, a Slurm job id), once it has one. */
  id?: string;
  node?: string;
  gpus?: string[];
  gpuModel?: string | null;
  /** Present once state is 'ended'. */
  result?: RunResult;
  /** Why a run is pending, or why it vanished, in one sentence. */
  reason?: string;
}

export interface Executor {
  readonly kind: 'local' | 'slurm';
  /** How many runs may be in flight at once. */
  readonly slots: number;
  /** Starts the run, or finds it when a run of that name was already submitted. */
  submit(spec: RunSpec): Promise<RunStatus>;
  /** The run of that name, or null when none was ever submitted (or its folder is gone). */
  find(spec: Pick<RunSpec, 'name' | 'runDir'>): Promise<RunStatus | null>;
  /** The state of many runs in one call (one squeue for Slurm). */
  status(specs: readonly Pick<RunSpec, 'name' | 'runDir'>[]): Promise<Map<string, RunStatus>>;
  /** Stops the run if it is still going; a run already ended is left as it is. */
  cancel(spec: Pick<RunSpec, 'name' | 'runDir'>): Promise<void>;
}

/** A run's name: the session, the experiment row and the attempt make it unique and findable. */
export function runName(session: number, experiment: number, attempt: number): string {
  return `ns-${session}-${experiment}-${attempt}`;
}
