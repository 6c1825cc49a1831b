/**
 * The command an executor's wrapper runs for one training request: what runTraining would start,
 * as an argv and an environment (agent/executors/types.ts RunSpec).
 *
 * What carries over from the direct path: the environment, bubblewrap's view of the run's checkout
 * (same pure builder), and the per-process limits (ulimit -d for memory, -n for open files). What
 * cannot: the cgroup (the agent opens it, fills it and removes it when the run ends, but a run
 * started through an executor outlives the agent and may run on another machine; on Slurm, the
 * cluster's own --mem and cgroup plugin are the whole-run limit, through --slurm-args), and the
 * per-user process limit (ulimit -u counts the user's tasks on the agent's machine at start).
 */
import { bwrapArgs } from '../runner/isolation/bwrap-args.ts';
import { withLimits } from '../runner/isolation/limits.ts';
import type { TrainingRequest } from '../runner/run-training.ts';

export interface ExecutorCommand {
  argv: string[];
  env: Record<string, string>;
}

// Under bubblewrap the command's environment is exactly its --setenv list (--clearenv), so the GPUs
// the executor chose at start (the wrapper's CUDA_VISIBLE_DEVICES: a pool slot, or Slurm's gres)
// are put in place of this argument by a small sh step right before bwrap starts.
const GPUS_PLACEHOLDER = 'nightshift-gpus-of-the-slot';
const SPLICE = 'n=$1; shift; i=0; for a do i=$((i+1)); shift; if [ $i -eq $n ]; then a="$CUDA_VISIBLE_DEVICES"; fi; set -- "$@" "$a"; done; exec bwrap "$@"';

export function executorCommand(req: Pick<TrainingRequest, 'command' | 'cwd' | 'env' | 'isolation' | 'limits'>): ExecutorCommand {
  const command = withLimits(req.command, req.limits ?? { memoryBytes: null, openFiles: null }, { cgroup: false });
  if (!req.isolation) return { argv: ['/bin/sh', '-c', command], env: { ...req.env } };
  const args = bwrapArgs({ ...req.isolation, workspace: req.cwd, env: { ...req.env, CUDA_VISIBLE_DEVICES: GPUS_PLACEHOLDER }, command });
  const at = args.findIndex((arg, i) => arg === GPUS_PLACEHOLDER && args[i - 1] === 'CUDA_VISIBLE_DEVICES' && args[i - 2] === '--setenv');
  if (at === -1) throw new Error('bubblewrap arguments without CUDA_VISIBLE_DEVICES: the slot’s GPUs could not be passed in');
  // bwrap itself needs only PATH to be found; the command's environment is in its arguments.
  return { argv: ['/bin/sh', '-c', SPLICE, 'nightshift-bwrap', String(at + 1), ...args], env: { PATH: req.env.PATH ?? '/usr/bin:/bin' } };
}
