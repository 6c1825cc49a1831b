/**
 * Where a session's runs execute (docs/design.md, "Executors"), as stored with its settings so a
 * resume uses the same executor. Absent: one run at a time in the session workspace (loop.ts);
 * present: N slots of the local pool or of Slurm, driven by parallel-loop.ts.
 */
import path from 'node:path';
import { UserError } from '../errors.ts';
import { buildPool, planSlots } from '../executors/gpu-pool.ts';
import { LocalExecutor } from '../executors/local.ts';
import { splitSlurmArgs } from '../executors/slurm-args.ts';
import { SlurmExecutor } from '../executors/slurm.ts';
import type { Executor } from '../executors/types.ts';
import { ExecutorSettings } from '../executors/settings.ts';

export interface ExecutorFlags {
  executor?: 'local' | 'slurm';
  parallel?: number;
  gpus?: string;
  gpusPerRun?: number;
  allowMixedGpus?: boolean;
  slurmArgs?: string;
}

/**
 * The settings the flags ask for, or undefined for the default (local, one run at a time, no
 * GPU pool): that keeps the sequential loop's exact code path. Bad combinations are one sentence.
 */
export function executorSettings(flags: ExecutorFlags): ExecutorSettings | undefined {
  const kind = flags.executor ?? 'local';
  if (kind === 'local' && flags.slurmArgs !== undefined) throw new UserError('--slurm-args is for --executor slurm');
  if (kind === 'slurm' && flags.gpus !== undefined)
    throw new UserError('--gpus lists GPUs of this machine; with --executor slurm give --gpus-per-run N and let Slurm place them');
  if (kind === 'slurm' && flags.allowMixedGpus) throw new UserError('--allow-mixed-gpus is for the local pool; choose GPUs under Slurm with --slurm-args');
  if (kind === 'local' && flags.gpus === undefined && (flags.parallel ?? 1) === 1) {
    if (flags.gpusPerRun !== undefined) throw new UserError('--gpus-per-run needs --gpus to say which GPUs the runs share out');
    if (flags.allowMixedGpus) throw new UserError('--allow-mixed-gpus needs --gpus');
    return undefined;
  }
  // Checked now, before a session is opened: the same sentences the executors would give later.
  if (kind === 'local') planSlots({ gpus: flags.gpus, gpusPerRun: flags.gpusPerRun, parallel: flags.parallel, allowMixed: flags.allowMixedGpus });
  if (kind === 'slurm') {
    try {
      splitSlurmArgs(flags.slurmArgs ?? '');
    } catch (error) {
      throw new UserError((error as Error).message);
    }
  }
  return {
    kind,
    parallel: flags.parallel ?? null,
    gpus: flags.gpus ?? null,
    gpusPerRun: flags.gpusPerRun ?? null,
    allowMixedGpus: flags.allowMixedGpus ?? false,
    slurmArgs: flags.slurmArgs ?? null,
  };
}

/** In words, for the line that says why a stored session was not continued. */
export function describeExecutor(settings: ExecutorSettings | undefined): string {
  if (!settings) return 'one run at a time';
  const where = settings.kind === 'slurm' ? 'slurm' : settings.gpus ? `local GPUs ${settings.gpus}` : 'local';
  const perRun = settings.gpusPerRun ? `, ${settings.gpusPerRun} GPU${settings.gpusPerRun === 1 ? '' : 's'} a run` : '';
  return `${where} ×${settings.parallel ?? (settings.gpus ? 'pool' : 1)}${perRun}`;
}

export interface BuiltExecutor {
  executor: Executor;
  /** GPUs each run asks the executor for (the local pool gives a slot's own). */
  gpusPerRun: number;
  /** Slurm: a tiny job that checks the cluster starts jobs and shares `runsRoot` with its nodes. */
  probe?: () => Promise<string>;
}

export async function buildExecutor(settings: ExecutorSettings, runsRoot: string): Promise<BuiltExecutor> {
  const stored = ExecutorSettings.parse(settings);
  if (stored.kind === 'local') {
    const pool = await buildPool({
      gpus: stored.gpus ?? undefined,
      gpusPerRun: stored.gpusPerRun ?? undefined,
      parallel: stored.parallel ?? undefined,
      allowMixed: stored.allowMixedGpus,
    });
    return { executor: new LocalExecutor({ pool }), gpusPerRun: 0 };
  }
  const slurm = new SlurmExecutor({ slots: stored.parallel ?? 1, slurmArgs: stored.slurmArgs ?? '' });
  return {
    executor: slurm,
    gpusPerRun: stored.gpusPerRun ?? 0,
    probe: async () => {
      const probed = await slurm.probe(path.join(runsRoot, '.probe'));
      return `slurm: a probe job ran on ${probed.node} after ${probed.seconds.toFixed(1)} s and saw the run folders`;
    },
  };
}
