import fs from 'node:fs';
import path from 'node:path';
import type { RunLimits } from './limits.ts';

export type CgroupKind = 'cgroup v2' | 'cgroup v1';

/**
 * Makes one run's cgroup with its limits set: under cgroup v2, <root>/nightshift/<name>; under v1,
 * the same folder in both the memory and the pids hierarchy (a v1 process joins each). Null when
 * there is none this process may write; nothing is left behind then.
 */
export function makeCgroup(name: string, limits: RunLimits, root: string): { dirs: string[]; kind: CgroupKind } | null {
  const made: string[] = [];
  try {
    const controllers = readOr(path.join(root, 'cgroup.controllers'), '').split(/\s+/);
    if (controllers.includes('memory') && controllers.includes('pids')) {
      const base = path.join(root, 'nightshift');
      fs.mkdirSync(base, { recursive: true });
      // Each level must hand the controllers down before a child cgroup gets their files.
      fs.writeFileSync(path.join(root, 'cgroup.subtree_control'), '+memory +pids');
      fs.writeFileSync(path.join(base, 'cgroup.subtree_control'), '+memory +pids');
      removeStale(base);
      const dir = path.join(base, name);
      fs.mkdirSync(dir);
      made.push(dir);
      set(dir, 'memory.max', limits.memoryBytes);
      // Swap would let a run over its limit slow the machine instead of dying.
      set(dir, 'memory.swap.max', limits.memoryBytes === null ? null : 0, true);
      // A run over its memory dies whole, rather than limping on without one of its processes.
      set(dir, 'memory.oom.group', 1, true);
      set(dir, 'pids.max', limits.processes);
      return { dirs: made, kind: 'cgroup v2' };
    }
    if (!fs.existsSync(path.join(root, 'memory', 'memory.limit_in_bytes')) || !fs.existsSync(path.join(root, 'pids', 'cgroup.procs'))) return null;
    for (const controller of ['memory', 'pids']) {
      const base = path.join(root, controller, 'nightshift');
      fs.mkdirSync(base, { recursive: true });
      removeStale(base);
      fs.mkdirSync(path.join(base, name));
      made.push(path.join(base, name));
    }
    const [memory, pids] = made as [string, string];
    set(memory, 'memory.limit_in_bytes', limits.memoryBytes);
    // memsw is memory plus swap: equal to the memory limit means no swap (absent without swap accounting).
    set(memory, 'memory.memsw.limit_in_bytes', limits.memoryBytes, true);
    set(pids, 'pids.max', limits.processes);
    return { dirs: made, kind: 'cgroup v1' };
  } catch (error) {
    // No cgroup we may write (not root, no delegation, a container's read-only /sys): per-process limits instead.
    if (!(error instanceof Error && 'code' in error)) throw error;
    for (const dir of made) tryRmdir(dir);
    return null;
  }
}

/** Writes one cgroup setting (null: leave it); an optional file may be absent on this kernel. */
function set(dir: string, file: string, value: number | null | undefined, optional = false): void {
  if (value == null || (optional && !fs.existsSync(path.join(dir, file)))) return;
  fs.writeFileSync(path.join(dir, file), String(value));
}

/** Removes cgroups left by agents that died: empty ones only (rmdir fails on a populated one). */
function removeStale(base: string): void {
  for (const entry of fs.readdirSync(base)) {
    const agent = /-a(\d+)-\d+$/.exec(entry);
    if (agent && !fs.existsSync(`/proc/${agent[1]}`)) tryRmdir(path.join(base, entry));
  }
}

export function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    // Absent (another cgroup version, a process gone): the caller's default stands.
    if (!(error instanceof Error && 'code' in error)) throw error;
    return fallback;
  }
}

export function tryRmdir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch (error) {
    // Still populated (close() retries) or already gone.
    if (!(error instanceof Error && 'code' in error)) throw error;
  }
}
