import fs from 'node:fs';

/**
 * A run's processes are found by what they carry, not by their group: a `setsid` or double-forked
 * daemon leaves the process group (and outlived the session), but keeps the environment it was
 * started with. The experiment id alone is not unique on a machine running two sessions, so its
 * output folder (a path inside one session's folder) marks it too.
 */
export function runMarks(env: Record<string, string>): string[] {
  const id = env.NIGHTSHIFT_EXPERIMENT_ID;
  if (id === undefined) return [];
  const marks = [`NIGHTSHIFT_EXPERIMENT_ID=${id}`];
  if (env.NIGHTSHIFT_OUT !== undefined) marks.push(`NIGHTSHIFT_OUT=${env.NIGHTSHIFT_OUT}`);
  return marks;
}

/** Pids of the live processes whose environment holds every mark (never this process). */
export function processesMarked(marks: readonly string[]): number[] {
  if (marks.length === 0) return [];
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch (error) {
      // Gone since the listing, or someone else's process we may not read: either way not ours.
      if (!(error instanceof Error && 'code' in error)) throw error;
      continue;
    }
    // A zombie reads as empty, so only a live process can match.
    const entries = new Set(environ.split('\0'));
    if (marks.every((mark) => entries.has(mark))) found.push(pid);
  }
  return found;
}

const ROUNDS = 50;
const ROUND_MS = 20;

/**
 * Kills every process carrying the marks until none is left, for at most ROUNDS rounds (a process
 * still forking makes new ones between rounds). Returns how many were found.
 */
export async function killLeftovers(marks: readonly string[]): Promise<number> {
  const killed = new Set<number>();
  for (let round = 0; round < ROUNDS; round++) {
    const pids = processesMarked(marks);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch (error) {
        // ESRCH: it ended between the scan and the signal; EPERM: a setuid program the agent may not signal.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ESRCH' && code !== 'EPERM') throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  }
  return killed.size;
}
