import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeCgroup, readOr, tryRmdir } from './cgroup.ts';

/** Per-run resource limits. */
export interface RunLimits {
  /** Bytes of memory: the whole run's under a cgroup, else each process's writable memory (RLIMIT_DATA). */
  memoryBytes: number | null;
  openFiles: number | null;
  /**
   * Processes and threads the run may hold at once (pids.max), so a fork bomb stops there; null
   * for none, absent for DEFAULT_MAX_PROCESSES.
   */
  processes?: number | null;
}

/** How the limits are enforced on this machine, for --help and the start-up line. */
export interface LimitMechanism {
  kind: 'cgroup v2' | 'cgroup v1' | 'ulimit';
  memory: string;
  processes: string;
}

/** What the cgroup saw of a run: kills by its OOM killer, forks refused at pids.max. */
export interface CageEvents {
  oomKills: number;
  forksRefused: number;
}

/** One run's confinement: a cgroup where one can be made, else per-process limits. */
export interface RunCage {
  mechanism: LimitMechanism;
  /** The argv that joins the cgroup and then execs `file` (so all the run's processes are in it). */
  wrap(file: string, args: string[]): [string, string[]];
  /** The shell command with the per-process limits that still apply. */
  command(command: string): string;
  /** Kills every process in the cgroup, daemons that left the group included. */
  kill(): void;
  /** Kills what is left, reads the events and removes the cgroup; null without a cgroup. */
  close(): Promise<CageEvents | null>;
}

// Threads count: a data loader's workers with an OpenMP pool each reach hundreds on a large machine.
export const DEFAULT_MAX_PROCESSES = 4096;
// The cage's first step, before the script runs: write its own pid into each cgroup, then exec.
const JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"';
let opened = 0;

/** Applies per-process limits by the shell that starts the script (no helper binary needed). */
export function withLimits(command: string, limits: RunLimits, cage: { cgroup: boolean; userTasks?: number | null } = { cgroup: false }): string {
  const set: string[] = [];
  if (limits.memoryBytes !== null && !cage.cgroup) set.push(`ulimit -d ${Math.floor(limits.memoryBytes / 1024)}`);
  if (limits.openFiles !== null) set.push(`ulimit -n ${limits.openFiles}`);
  // RLIMIT_NPROC counts all of the user's tasks, so the run gets its share on top of what runs now;
  // bash calls it -u, dash -p.
  if (limits.processes != null && !cage.cgroup && cage.userTasks != null) {
    const n = cage.userTasks + limits.processes;
    set.push(`{ ulimit -u ${n} 2>/dev/null || ulimit -p ${n}; }`);
  }
  return set.length === 0 ? command : `${set.join(' && ')} && ${command}`;
}

/**
 * Opens a cgroup for one run (v2, else v1's memory and pids hierarchies) with the limits set;
 * without a writable one, falls back to per-process ulimits. `name` must be unique on the machine.
 */
export function openCage(name: string, given: RunLimits, root = '/sys/fs/cgroup'): RunCage {
  const limits = { ...given, processes: processLimit(given) };
  const made = makeCgroup(name, limits, root);
  if (!made) return ulimitCage(limits);
  const { dirs, kind } = made;
  const v2 = kind === 'cgroup v2';
  const memoryDir = dirs[0]!;
  const pidsDir = v2 ? memoryDir : dirs[1]!;
  const kill = () => {
    // cgroup.kill (v2, Linux 5.14+) kills atomically, so nothing forks away while the pids are read.
    if (v2 && fs.existsSync(path.join(memoryDir, 'cgroup.kill'))) return void signalAll(path.join(memoryDir, 'cgroup.kill'), null);
    for (const dir of dirs) signalAll(path.join(dir, 'cgroup.procs'), 'SIGKILL');
  };
  return {
    mechanism: { kind, memory: `whole run (${kind} ${v2 ? 'memory.max, no swap' : 'memory.limit_in_bytes'})`, processes: `whole run (${kind} pids.max)` },
    wrap: (file, args) => ['/bin/sh', ['-c', JOIN, 'nightshift-cage', ...dirs.map((dir) => path.join(dir, 'cgroup.procs')), '--', file, ...args]],
    command: (command) => withLimits(command, limits, { cgroup: true }),
    kill,
    async close() {
      const events = {
        oomKills: counter(path.join(memoryDir, v2 ? 'memory.events' : 'memory.oom_control'), 'oom_kill'),
        forksRefused: counter(path.join(pidsDir, 'pids.events'), 'max'),
      };
      // A cgroup is removed only once empty; its last processes take a moment to be gone.
      for (let i = 0; i < 100 && dirs.some((dir) => fs.existsSync(dir)); i++) {
        kill();
        for (const dir of dirs) tryRmdir(dir);
        if (dirs.some((dir) => fs.existsSync(dir))) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return events;
    },
  };
}

/** What openCage would use here; it opens and removes a cgroup to find out. */
export async function limitMechanism(root = '/sys/fs/cgroup'): Promise<LimitMechanism> {
  const cage = openCage(`probe-a${process.pid}-${opened++}`, { memoryBytes: 2 ** 40, openFiles: null, processes: DEFAULT_MAX_PROCESSES }, root);
  await cage.close();
  return cage.mechanism;
}

/** A unique cgroup name for one run: the experiment, this agent (so stale ones are known) and a count. */
export function cageName(experimentId: string | undefined): string {
  return `run-${experimentId ?? 'x'}-a${process.pid}-${opened++}`;
}

function ulimitCage(limits: RunLimits): RunCage {
  const root = process.getuid?.() === 0;
  return {
    mechanism: {
      kind: 'ulimit',
      memory: "per process (ulimit -d: each process's writable memory; children add up)",
      processes: root ? 'none (root ignores ulimit -u)' : "per user (ulimit -u: the user's tasks now plus the limit)",
    },
    wrap: (file, args) => [file, args],
    command: (command) => withLimits(command, limits, { cgroup: false, userTasks: root ? null : userTasks() }),
    kill: () => {},
    close: async () => null,
  };
}

/** Tasks (threads) of this user now, which RLIMIT_NPROC counts along with the run's. */
function userTasks(): number {
  const uid = String(os.userInfo().uid);
  let tasks = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const status = readOr(`/proc/${name}/status`, '');
    if (status.match(/^Uid:\s+(\d+)/m)?.[1] === uid) tasks += Number(status.match(/^Threads:\s+(\d+)/m)?.[1] ?? 1);
  }
  return tasks;
}

/** The value of `key` in a flat-keyed cgroup file ("oom_kill 3"); 0 when absent. */
function counter(file: string, key: string): number {
  return Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(readOr(file, ''))?.[1] ?? 0);
}

/** Kills the cgroup's processes: by writing cgroup.kill (signal null), else each pid in cgroup.procs. */
function signalAll(file: string, signal: NodeJS.Signals | null): void {
  let pids: string[];
  try {
    if (signal === null) {
      fs.writeFileSync(file, '1');
      return;
    }
    pids = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch (error) {
    // The cgroup is gone: nothing left to kill.
    if (!(error instanceof Error && 'code' in error)) throw error;
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), signal);
    } catch (error) {
      // ESRCH: it ended meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

function processLimit(limits: RunLimits): number | null {
  return limits.processes === undefined ? DEFAULT_MAX_PROCESSES : limits.processes;
}

/**
 * Names the limit a crash ran into: from the cgroup's events where there was one (null: none),
 * else from the last lines it printed.
 */
export function limitHit(lines: readonly string[], limits: RunLimits, events: CageEvents | null = null): string | null {
  const text = lines.join('\n');
  const gib = limits.memoryBytes === null ? '' : `${(limits.memoryBytes / 2 ** 30).toFixed(1)} GiB`;
  if (limits.memoryBytes !== null && events && events.oomKills > 0) return `the memory limit (${gib}) was reached by the run's processes together`;
  const forkFailed = events
    ? events.forksRefused > 0
    : /EAGAIN|Resource temporarily unavailable|can'?t fork|Cannot fork|fork failed|pthread_create/i.test(text);
  const processes = processLimit(limits);
  if (processes !== null && forkFailed) return `the process limit (${processes}) was reached`;
  if (limits.openFiles !== null && /EMFILE|too many open files/i.test(text)) return `the open-file limit (${limits.openFiles}) was reached`;
  if (/ENOSPC|No space left on device|EDQUOT|quota exceeded/i.test(text)) return 'its disk space ran out (the /tmp quota or the disk)';
  if (limits.memoryBytes !== null && /ENOMEM|out of memory|MemoryError|Cannot allocate memory|std::bad_alloc|allocation failed/i.test(text)) {
    return `the memory limit (${gib}) was reached`;
  }
  return null;
}
