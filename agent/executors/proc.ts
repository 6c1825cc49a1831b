/**
 * What Linux's /proc says about a process: enough to tell a run's own process from a stranger that
 * was given the same pid later. Plain reads of /proc (no library: the formats are the kernel's,
 * stable, and a few lines to parse).
 */
import fs from 'node:fs';

export interface ProcessStat {
  /** One letter: R, S, D, Z (zombie), X (dead), T… */
  state: string;
  /** The process group. */
  pgrp: number;
  /** Clock ticks after boot at which it started: with the boot's id, unique for the machine's life. */
  startTicks: number;
}

/** Reads a /proc file, or null when the process is gone (or its file is not ours to read). */
function readProc(file: string): string | null {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch (error) {
    // ENOENT/ESRCH: the process is gone; EACCES/EPERM: another user's, which we only look at, never signal by it.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM') return null;
    throw error;
  }
}

/** The state, group and start time of a process, or null when there is no such process. */
export function processStat(pid: number): ProcessStat | null {
  const text = readProc(`/proc/${pid}/stat`);
  if (text === null) return null;
  // The command name (field 2) is in parentheses and may hold spaces and parentheses: fields follow the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 3 (state), 5 (pgrp) and 22 (starttime) of proc(5), counted from field 3.
  const startTicks = Number(fields[19]);
  const pgrp = Number(fields[2]);
  if (!Number.isInteger(startTicks) || !Number.isInteger(pgrp)) return null;
  return { state: fields[0] ?? '?', pgrp, startTicks };
}

/** True for a process that still runs (a zombie has ended; only its parent's wait is missing). */
export function isRunning(stat: ProcessStat | null): stat is ProcessStat {
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

/** The process's environment as NAME=value entries, or null when it is gone or not readable. */
export function processEnviron(pid: number): string[] | null {
  const text = readProc(`/proc/${pid}/environ`);
  return text === null ? null : text.split('\0').filter((entry) => entry !== '');
}

let cachedBootId: string | undefined;

/** This boot's id: start ticks restart from zero after a reboot, so a record names the boot too. */
export function bootId(): string {
  cachedBootId ??= fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return cachedBootId;
}

/** Every pid in /proc now. */
export function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** The running processes of a group, from a scan of /proc. */
export function groupMembers(pgrp: number): number[] {
  return allPids().filter((pid) => {
    const stat = processStat(pid);
    return isRunning(stat) && stat.pgrp === pgrp;
  });
}

/** Running processes whose environment holds every one of `entries` (NAME=value). */
export function processesWithEnv(entries: readonly string[]): number[] {
  return allPids().filter((pid) => {
    if (pid === process.pid || !isRunning(processStat(pid))) return false;
    const environ = processEnviron(pid);
    return environ !== null && entries.every((entry) => environ.includes(entry));
  });
}
