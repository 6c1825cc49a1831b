import fs from 'node:fs';
import path from 'node:path';

/**
 * Bytes on disk under the folders: allocated blocks (a sparse file costs what it holds), each
 * hard-linked file once, symlinks never followed (the workspace's node_modules is one). Files that
 * vanish mid-walk are skipped; a run deletes and rewrites its checkpoints all the time.
 */
export async function bytesUnder(folders: readonly string[]): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (error) {
      // Gone or unreadable: nothing there to count.
      if (!(error instanceof Error && 'code' in error)) throw error;
      return;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (!entry.isSymbolicLink()) {
        try {
          const stat = await fs.promises.lstat(file);
          const key = `${stat.dev}:${stat.ino}`;
          if (seen.has(key)) continue;
          seen.add(key);
          total += stat.blocks * 512;
        } catch (error) {
          // Deleted since the listing.
          if (!(error instanceof Error && 'code' in error)) throw error;
        }
      }
    }
  };
  for (const folder of folders) await walk(folder);
  return total;
}

export interface DiskQuotaWatch {
  /** Stops watching; the last total stays readable. */
  stop(): void;
  /** The largest total seen so far, in bytes. */
  peak(): number;
}

/**
 * Totals the folders every `intervalMs` and calls `onOver` once when over `quotaBytes`. A walk
 * starts only after the last one ended, and waits at least four times as long as it took, so a
 * large tree (19,000 files take ~0.45 s) slows the checks rather than eating the agent's core.
 */
export function watchDiskQuota(folders: readonly string[], quotaBytes: number, onOver: (bytes: number) => void, intervalMs = 1000): DiskQuotaWatch {
  let stopped = false;
  let peak = 0;
  let timer: NodeJS.Timeout | null = null;
  const check = async () => {
    const started = performance.now();
    const bytes = await bytesUnder(folders);
    peak = Math.max(peak, bytes);
    if (stopped) return;
    if (bytes > quotaBytes) {
      stopped = true;
      return onOver(bytes);
    }
    timer = setTimeout(() => void check(), Math.max(intervalMs, 4 * (performance.now() - started))).unref();
  };
  timer = setTimeout(() => void check(), intervalMs).unref();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    peak: () => peak,
  };
}

/** A quota unless one is given: 20 GiB, or half the free space where the workspace is, if less. */
export function defaultDiskQuota(folder: string): number {
  const stats = fs.statfsSync(folder);
  return Math.min(20 * 2 ** 30, Math.floor((stats.bavail * stats.bsize) / 2));
}
