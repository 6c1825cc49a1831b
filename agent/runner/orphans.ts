import fs from 'node:fs';
import { signalGroup } from './run-training.ts';

/**
 * Kills the process group of a run whose agent died, if it still runs. The group leader's
 * environment must name the experiment, so a recycled pid of someone else's is never signalled.
 */
export async function killOrphanedRun(pid: number | null, experimentId: number): Promise<boolean> {
  if (pid === null) return false;
  let environ: string;
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return false;
  }
  if (!environ.split('\0').includes(`NIGHTSHIFT_EXPERIMENT_ID=${experimentId}`)) return false;
  signalGroup(pid, 'SIGKILL');
  // Wait for it to be gone before the workspace it was writing into is reset.
  for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 20));
  return true;
}
