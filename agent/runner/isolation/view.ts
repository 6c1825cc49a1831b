import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELPERS_DIR, PACKAGE_ROOT } from '../../paths.ts';
import { gpuDevices } from './choose.ts';
import { credentialMasks, hiddenMasks } from './credentials.ts';
import { pathPrefixes, tooBroad } from './path-prefixes.ts';
import { systemView } from './system-view.ts';

export interface ViewExtras {
  /**
   * Paths no process may read even where a bound folder holds them: the log file and its -wal and
   * -shm, the session's git folder, the evaluation folder for a training or predict process.
   * Each must exist when the view is made (a file made later cannot be masked).
   */
  hidden?: string[];
  /** More files or folders the process may read (the evaluation folder for an evaluate process). */
  extraReadonly?: string[];
  /** The artifact folder read-only: a predict process reads what training left, and changes nothing. */
  outReadonly?: boolean;
  /**
   * The process's environment: the folders its library and module search variables name
   * (LD_LIBRARY_PATH, PYTHONPATH, CUDA_HOME…) are read-only in the view too, by PATH's rules.
   */
  env?: Record<string, string>;
}

export type IsolationView = ReturnType<typeof isolationView>;

/**
 * What an isolated process of this workspace may see, as exact paths: system folders and the
 * /etc files programs need, each PATH entry's install prefix (never / nor a whole home),
 * nightshift's node_modules and helpers (not its package root, which may hold the log), the corpus, and the
 * extra folders asked for; credential files in the non-system ones, and the hidden paths, read
 * as empty.
 */
export function isolationView(workspace: string, outDir: string, pathVar: string, data: string | undefined, extras: ViewExtras = {}) {
  const { hidden = [], extraReadonly = [], outReadonly = false, env = {} } = extras;
  const system = systemView();
  const entries = [pathVar, ...SEARCH_VARIABLES.map((name) => env[name] ?? '')]
    .join(':')
    .split(':')
    .filter((e) => path.isAbsolute(e));
  const homes = homeDirs();
  // Both spellings of each entry: PATH names one, an interpreter may find its files by the other.
  const tools = pathPrefixes([...entries, ...entries.map(realpath)], homes);
  const own = [
    path.join(PACKAGE_ROOT, 'node_modules'),
    // The helper modules every run may import (node_modules/@nightshift/helpers links into it).
    HELPERS_DIR,
    // The workspace links a node_modules that may live anywhere (the source sandbox's own). The
    // link is the script's to change, so only a folder that is a node_modules is followed.
    ...[realpath(path.join(workspace, 'node_modules'))].filter((p) => path.basename(p) === 'node_modules'),
  ];
  const chosen = [...tools, ...own, ...(data ? [path.resolve(data)] : []), ...extraReadonly.map((p) => path.resolve(p))];
  // bwrap binds what a path leads to: a folder that is a link to a home is a home.
  const allowed = [...chosen, ...chosen.map(realpath)].filter((p) => fs.existsSync(p) && !tooBroad(realpath(p), homes));
  const readonly = [...new Set([...system.readonly, ...allowed])];
  const credentials = credentialMasks(readonly.filter((p) => !system.readonly.includes(p)));
  const secret = hiddenMasks(hidden);
  return {
    readonly,
    symlinks: system.symlinks,
    devices: gpuDevices(),
    outDir,
    outReadonly,
    masked: [...credentials.files, ...secret.files],
    emptied: [...credentials.folders, ...secret.folders],
    tmpBytes: Math.min(4 * 2 ** 30, Math.floor(os.totalmem() / 4)),
  };
}

/** Variables that name folders a process loads code from, besides PATH (list-valued ones are ':'-separated). */
const SEARCH_VARIABLES = ['LD_LIBRARY_PATH', 'PYTHONPATH', 'CUDA_HOME', 'CUDA_PATH', 'VIRTUAL_ENV', 'CONDA_PREFIX'];

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch (error) {
    // Absent, a dangling link or unreadable: the path stands as given.
    if (!(error instanceof Error && 'code' in error)) throw error;
    return p;
  }
}

/** Home directories, never bound whole: a PATH entry in one binds its tool folder, not its keys. */
function homeDirs(): Set<string> {
  const homes = new Set([os.homedir(), '/root']);
  try {
    for (const name of fs.readdirSync('/home')) homes.add(path.join('/home', name));
  } catch (error) {
    // No /home on this machine.
    if (!(error instanceof Error && 'code' in error)) throw error;
  }
  return new Set([...homes].flatMap((h) => [h, realpath(h)]));
}
