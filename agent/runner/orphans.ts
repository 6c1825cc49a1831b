import fs from 'node:fs';
import { killLeftovers, runMarks } from './leftovers.ts';
import { signalGroup } from './run-training.ts';

/**
 * Kills the process group of a run whose agent died, if it still runs, and every process that
 * carries the run's marks (daemons that left the group). The group leader's environment must
 * name the experiment, so a recycled pid of someone else's is never signalled.
 */
export async function killOrphanedRun(pid: number | null, experimentId: number): Promise<boolean> {
  if (pid === null) return false;
  let environ: string;
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch (error) {
    // Gone (or not ours to read): there is no leader left to identify the run by.
    if (!(error instanceof Error && 'code' in error)) throw error;
    return false;
  }
  const entries = environ.split('\0');
  if (!entries.includes(`NIGHTSHIFT_EXPERIMENT_ID=${experimentId}`)) return false;
  signalGroup(pid, 'SIGKILL');
  // The leader's own NIGHTSHIFT_OUT pins the sweep to this session's run of that id.
  const env = Object.fromEntries(entries.filter((entry) => entry.startsWith('NIGHTSHIFT_')).map((entry) => entry.split(/=(.*)/s).slice(0, 2)));
  await killLeftovers(runMarks(env));
  // Wait for it to be gone before the workspace it was writing into is reset.
  for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 20));
  return true;
}
