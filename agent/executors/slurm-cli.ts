/**
 * Slurm's command-line tools as installed (sbatch, squeue, scontrol, scancel), each call one
 * function whose output is parsed and checked with zod. The tools read SLURM_CONF from the
 * environment they are given, so a test cluster or a second cluster needs nothing more.
 */
import os from 'node:os';
import { execaOwnSession } from '../runner/own-session.ts';
import { z } from 'zod';

export interface SlurmCli {
  /** The tools' environment (SLURM_CONF, PATH); the agent's own by default. */
  env: NodeJS.ProcessEnv;
  /** How long one call may take before it counts as failed (a controller that does not answer). */
  timeoutMs: number;
}

export const defaultCli = (): SlurmCli => ({ env: process.env, timeoutMs: 30_000 });

/** A Slurm tool that failed, with its complaint in one line. */
export class SlurmCommandError extends Error {
  constructor(
    readonly tool: string,
    readonly detail: string,
  ) {
    super(`${tool} failed: ${detail}`);
    this.name = 'SlurmCommandError';
  }
}

/** A tool's stderr as one line: its lines joined, the "sbatch: error: " prefixes gone. */
export function oneLine(tool: string, stderr: string): string {
  const prefix = new RegExp(`^${tool}:\\s*(error:\\s*)?`, 'i');
  const lines = stderr
    .split('\n')
    .map((line) => line.trim().replace(prefix, ''))
    .filter((line) => line !== '');
  return lines.length === 0 ? 'no message' : [...new Set(lines)].join('; ');
}

/** Variables the batch wrapper may see: sbatch exports its own environment to the job. */
const KEPT = /^(PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TZ|TMPDIR|SLURM_.+|SBATCH_.+)$/;

/**
 * sbatch's environment: the agent's, less anything that could carry a secret (an API key) into
 * the job. Not --export=NONE or --export=PATH: those make slurmd load the user's login
 * environment first (`su - user -c env`), seconds per job. The command itself gets exactly its
 * own environment either way (run-folder.ts runs it under `env -i`).
 */
export function sbatchEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => KEPT.test(key)));
}

async function call(cli: SlurmCli, tool: string, args: readonly string[]): Promise<string> {
  let result: Awaited<ReturnType<typeof execaOwnSession>>;
  const env = tool === 'sbatch' ? sbatchEnvironment(cli.env) : cli.env;
  try {
    result = await execaOwnSession(tool, args, { env, extendEnv: false, reject: false, timeout: cli.timeoutMs, stdin: 'ignore' });
  } catch (error) {
    // execa rejects only when the tool cannot be spawned at all (reject: false covers exit codes).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new SlurmCommandError(tool, 'it is not installed (or not on PATH)');
    throw error;
  }
  if (result.failed && 'code' in result && result.code === 'ENOENT') throw new SlurmCommandError(tool, 'it is not installed (or not on PATH)');
  if (result.timedOut) throw new SlurmCommandError(tool, `no answer within ${cli.timeoutMs / 1000} s (is slurmctld up?)`);
  if (result.exitCode !== 0) throw new SlurmCommandError(tool, oneLine(tool, String(result.stderr ?? '')));
  return String(result.stdout ?? '');
}

const JobId = z.string().regex(/^\d+$/, 'a job id is digits');

/** Submits a batch script; its job id (`sbatch --parsable` prints `id` or `id;cluster`). */
export async function sbatch(cli: SlurmCli, args: readonly string[]): Promise<string> {
  const out = (await call(cli, 'sbatch', ['--parsable', ...args])).trim();
  const parsed = JobId.safeParse(out.split(';')[0]);
  if (!parsed.success) throw new SlurmCommandError('sbatch', `it printed ${JSON.stringify(out.slice(0, 80))} where a job id was expected`);
  return parsed.data;
}

/** One job as squeue lists it. */
export interface QueueRow {
  id: string;
  name: string;
  /** PENDING, RUNNING, COMPLETED, NODE_FAIL, … */
  state: string;
  /** Why it waits or ended (Resources, Priority, BeginTime, None, …). */
  reason: string;
  /** Its nodes, empty while pending. */
  nodes: string;
  /** When it was submitted, ms since the epoch (squeue prints local time). */
  submittedAt: number;
  /** When it ended (or is expected to end), ms since the epoch; null when Slurm cannot say. */
  endsAt: number | null;
}

const FIELDS = ['%i', '%j', '%T', '%r', '%N', '%V', '%e'];
const SEP = '\t';

const Row = z.object({
  id: JobId,
  name: z.string().min(1),
  state: z.string().regex(/^[A-Z_]+$/, 'a state is an upper-case word'),
  reason: z.string(),
  nodes: z.string(),
  submittedAt: z.number().refine(Number.isFinite, 'a submit time is a date'),
  endsAt: z.number().nullable(),
});

/** Parses squeue's lines in the format `squeue()` asks for. */
export function parseQueue(text: string): QueueRow[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, name, state, reason, nodes, submitted, ends] = line.split(SEP);
      const endsAt = Date.parse(ends ?? '');
      const parsed = Row.safeParse({
        id,
        name,
        state,
        reason,
        nodes: nodes === '(null)' ? '' : nodes,
        submittedAt: Date.parse(submitted ?? ''),
        endsAt: Number.isFinite(endsAt) ? endsAt : null,
      });
      if (!parsed.success)
        throw new SlurmCommandError('squeue', `it printed a line nightshift cannot read (${parsed.error.issues[0]?.message}): ${JSON.stringify(line)}`);
      return parsed.data;
    });
}

/** This user's jobs of those names, in any state Slurm still remembers (ended ones for MinJobAge). */
export async function squeue(cli: SlurmCli, names: readonly string[]): Promise<QueueRow[]> {
  if (names.length === 0) return [];
  // --user rather than --me, which Slurm before 20.11 lacks.
  const out = await call(cli, 'squeue', [
    `--user=${os.userInfo().username}`,
    '--noheader',
    '--states=all',
    `--name=${names.join(',')}`,
    `--format=${FIELDS.join(SEP)}`,
  ]);
  return parseQueue(out);
}

/** The jobs of those ids Slurm still remembers (an id it has forgotten is simply absent). */
export async function squeueIds(cli: SlurmCli, ids: readonly string[]): Promise<QueueRow[]> {
  if (ids.length === 0) return [];
  try {
    return parseQueue(await call(cli, 'squeue', ['--noheader', '--states=all', `--jobs=${ids.join(',')}`, `--format=${FIELDS.join(SEP)}`]));
  } catch (error) {
    // squeue refuses a list with an id it no longer knows; that job is simply gone.
    if (error instanceof SlurmCommandError && /invalid job id/i.test(error.detail)) return [];
    throw error;
  }
}

/** `scontrol show job -o -d`: the job's fields (JobState, NodeList, BatchHost, …) and its GPU indices. */
export interface JobDetails {
  fields: Record<string, string>;
  /** The GPU indices the job holds on its node (`GRES=gpu:2(IDX:0-1)`), empty for none or once it ended. */
  gpus: string[];
}

const Details = z.object({ JobId: JobId, JobState: z.string().min(1) }).loose();

/** Expands `0-1,3` into ['0', '1', '3']. */
export function expandIndices(text: string): string[] {
  return text.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) return [];
    if (to === undefined || !Number.isInteger(to)) return [String(from)];
    return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
  });
}

export function parseDetails(text: string): JobDetails {
  const fields: Record<string, string> = {};
  // One job per line with -o; a field is KEY=VALUE, values without spaces in the keys we read.
  for (const m of text.matchAll(/(?:^|\s)([A-Za-z_/:]+)=(\S*)/g)) if (!(m[1]! in fields)) fields[m[1]!] = m[2]!;
  const parsed = Details.safeParse(fields);
  if (!parsed.success) throw new SlurmCommandError('scontrol', `it printed a job nightshift cannot read (${parsed.error.issues[0]?.path.join('.')})`);
  const idx = /GRES=\S*?gpu[^\s(]*\(IDX:([\d,-]+)\)/.exec(text);
  return { fields, gpus: idx ? expandIndices(idx[1]!) : [] };
}

/** A job's details, or null once Slurm no longer remembers it. */
export async function scontrolJob(cli: SlurmCli, id: string): Promise<JobDetails | null> {
  try {
    return parseDetails(await call(cli, 'scontrol', ['show', 'job', '-o', '-d', id]));
  } catch (error) {
    if (error instanceof SlurmCommandError && /invalid job id/i.test(error.detail)) return null;
    throw error;
  }
}

/** Cancels a job; one that already ended (or that Slurm forgot) is left as it is. */
export async function scancel(cli: SlurmCli, id: string, signal?: string): Promise<void> {
  try {
    await call(cli, 'scancel', [...(signal ? [`--signal=${signal}`, '--full'] : []), id]);
  } catch (error) {
    if (error instanceof SlurmCommandError && /already (finished|completing)|invalid job id/i.test(error.detail)) return;
    throw error;
  }
}
