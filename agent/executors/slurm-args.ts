/**
 * sbatch's words for a run: nightshift's own (name, folders, time, GPUs) and then the user's
 * `--slurm-args "…"` split as a POSIX shell would split them, so a quoted value stays one word.
 */
import path from 'node:path';
import { parse } from 'shell-quote';
import type { RunSpec } from './types.ts';

/** Slurm's own messages about a run (and the wrapper's stderr) go here, beside output.log. */
export const SLURM_LOG = 'slurm.log';

/**
 * The user's `--slurm-args` as words. Quotes and backslashes work as in sh; `$NAME` stays as
 * written (sbatch would not expand it either); an operator (`|`, `;`, `>`) is refused, since
 * nothing here runs a shell and it would only reach sbatch as a stray word.
 */
export function splitSlurmArgs(text: string): string[] {
  const words = parse(text, (name) => `$${name}`);
  const split = words.map((word) => {
    if (typeof word === 'string') return word;
    if ('pattern' in word) return word.pattern;
    const what = 'op' in word ? word.op : `#${word.comment}`;
    throw new Error(`--slurm-args ${JSON.stringify(text)} holds ${JSON.stringify(what)}, which is shell syntax, not an sbatch option: quote it`);
  });
  const taken = split.find((word) => RESERVED.test(word));
  if (taken !== undefined) throw new Error(`--slurm-args cannot hold ${taken.split('=')[0]}: ${RESERVED_WHY}`);
  return split;
}

/**
 * Options nightshift must own: the job's name is how a restarted agent finds its run, an array or
 * a requeue would start a run more than once, and --wrap would replace the wrapper.
 */
const RESERVED = /^(--job-name|--array|--wrap|--requeue)(=|$)|^-[Ja]/;
const RESERVED_WHY = 'nightshift names each job after its run and submits it once, with its own wrapper.';

/** Options by which the user already chose the job's GPUs; then nightshift adds no --gres of its own. */
const GPU_OPTION = /^(--gres|--gpus|--gpus-per-node|--gpus-per-task|--gpus-per-socket|-G)(=|$)|^-G\d/;

/** Slurm's --time in whole minutes, rounded up (it counts in minutes anyway). */
export function timeMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/** sbatch's arguments (after --parsable) for a run whose wrapper is `wrapper`; the user's words last, so theirs win. */
export function sbatchArgs(spec: Pick<RunSpec, 'name' | 'runDir' | 'cwd' | 'gpus' | 'timeLimitS'>, wrapper: string, userArgs: readonly string[]): string[] {
  const gpus = spec.gpus > 0 && !userArgs.some((word) => GPU_OPTION.test(word)) ? [`--gres=gpu:${spec.gpus}`] : [];
  return [
    `--job-name=${spec.name}`,
    `--chdir=${path.resolve(spec.cwd)}`,
    `--output=${path.join(path.resolve(spec.runDir), SLURM_LOG)}`,
    `--time=${timeMinutes(spec.timeLimitS)}`,
    // A job on a node that fails is recorded as vanished and re-run by the agent with its seed;
    // Slurm's own requeue would start the same run a second time behind the agent's back.
    '--no-requeue',
    ...gpus,
    ...userArgs,
    wrapper,
  ];
}
