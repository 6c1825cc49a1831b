/** Per-run resource limits, applied by the shell that starts the script (so no helper binary is needed). */
export interface RunLimits {
  /** Bytes of writable memory (RLIMIT_DATA): unlike RLIMIT_AS it ignores GPU and wasm reservations. */
  memoryBytes: number | null;
  openFiles: number | null;
}

export function withLimits(command: string, limits: RunLimits): string {
  const set: string[] = [];
  if (limits.memoryBytes !== null) set.push(`ulimit -d ${Math.floor(limits.memoryBytes / 1024)}`);
  if (limits.openFiles !== null) set.push(`ulimit -n ${limits.openFiles}`);
  return set.length === 0 ? command : `${set.join(' && ')} && ${command}`;
}

/** Names the limit a crash ran into, from the last lines it printed. */
export function limitHit(lines: readonly string[], limits: RunLimits): string | null {
  const text = lines.join('\n');
  if (limits.openFiles !== null && /EMFILE|too many open files/i.test(text)) return `the open-file limit (${limits.openFiles}) was reached`;
  if (/ENOSPC|No space left on device|EDQUOT|quota exceeded/i.test(text)) return 'its disk space ran out (the /tmp quota or the disk)';
  if (limits.memoryBytes !== null && /ENOMEM|out of memory|MemoryError|Cannot allocate memory|std::bad_alloc|allocation failed/i.test(text)) {
    return `the memory limit (${(limits.memoryBytes / 2 ** 30).toFixed(1)} GiB) was reached`;
  }
  return null;
}
