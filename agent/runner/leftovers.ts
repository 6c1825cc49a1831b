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

/** Sends a signal to one pid, which may have ended since it was found; true when it was sent. */
function send(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    // ESRCH: it ended between the scan and the signal; EPERM: a setuid program the agent may not signal.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH' && code !== 'EPERM') throw error;
    return false;
  }
}

/**
 * Kills every process carrying the marks. What a scan finds is first stopped (SIGSTOP), and
 * scans go on until one finds nothing new: a stopped process cannot start another, so a tree
 * that keeps forking is frozen whole however slow a scan is on a loaded machine, and then killed.
 * At most ROUNDS rounds of each. Returns how many were found.
 */
export async function killLeftovers(marks: readonly string[]): Promise<number> {
  const found = new Set<number>();
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = processesMarked(marks).filter((pid) => !found.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) if (send(pid, 'SIGSTOP')) found.add(pid);
  }
  for (const pid of found) send(pid, 'SIGKILL');
  // Anything left (a pid reused, a process that escaped the rounds) is killed as it is found.
  for (let round = 0; round < ROUNDS; round++) {
    const pids = processesMarked(marks);
    if (pids.length === 0) break;
    for (const pid of pids) if (send(pid, 'SIGKILL')) found.add(pid);
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  }
  return found.size;
}
