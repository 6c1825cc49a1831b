import path from 'node:path';

/** What one sandboxed run may see and touch; everything else of the machine is absent. */
export interface BwrapPlan {
  /** Read-write: the session's workspace. */
  workspace: string;
  /** Read-write: the run's artifact folder. */
  outDir: string;
  /** Read-write: the session's cache folder, when there is one. */
  cacheDir?: string | undefined;
  /** Read-only: system folders, the agent's package, interpreters, a user corpus… (missing ones are skipped). */
  readonly: string[];
  /** Device nodes passed through when present (GPU: /dev/nvidia*, /dev/dri). */
  devices: string[];
  /** Files inside the read-only folders that must read as empty (credentials). */
  masked: string[];
  /** Size of the run's private /tmp: a tmpfs lives in memory, so it gets a quota. */
  tmpBytes: number;
  /** The whole environment the script gets. */
  env: Record<string, string>;
  /** The shell command line to run inside. */
  command: string;
}

/** Folders a program needs to start at all: its libraries, loader, certificates, users. */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];

/**
 * The install prefix of each PATH entry, so interpreters outside /usr (pyenv, conda, nvm)
 * still run: the parent of a folder named bin or shims, else the folder itself.
 */
export function pathPrefixes(pathVar: string): string[] {
  return pathVar
    .split(':')
    .filter((p) => path.isAbsolute(p))
    .map((p) => (['bin', 'sbin', 'shims'].includes(path.basename(p)) ? path.dirname(p) : p));
}

/** Drops folders already visible through a parent in the list (bwrap would mount them twice). */
function outermost(dirs: string[]): string[] {
  const unique = [...new Set(dirs.map((d) => path.resolve(d)))].sort();
  return unique.filter((d) => !unique.some((p) => p !== d && (p === '/' || d.startsWith(p + path.sep))));
}

/**
 * The bubblewrap command line for one run: a read-only view of only what the run needs, the
 * workspace and artifact folder writable, a fresh /tmp and HOME, no network, its own PID
 * namespace, killed with the agent, and exactly the given environment.
 */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv'];
  for (const dir of outermost(plan.readonly)) args.push('--ro-bind-try', dir, dir);
  for (const file of plan.masked) args.push('--ro-bind', '/dev/null', file);
  args.push('--dev', '/dev');
  for (const device of plan.devices) args.push('--dev-bind-try', device, device);
  args.push('--proc', '/proc', '--size', String(plan.tmpBytes), '--tmpfs', '/tmp');
  // The workspace and outputs come last so they win over any read-only parent. The workspace's
  // history lives beside it, outside the view; a workspace made with .git inside (older
  // sessions) gets that .git read-only, so the script cannot delete what keep/revert need.
  args.push('--bind', plan.workspace, plan.workspace, '--bind', plan.outDir, plan.outDir);
  if (plan.cacheDir) args.push('--bind', plan.cacheDir, plan.cacheDir);
  args.push('--ro-bind-try', path.join(plan.workspace, '.git'), path.join(plan.workspace, '.git'));
  const env = { ...plan.env, HOME: '/tmp', TMPDIR: '/tmp' };
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) args.push('--setenv', name, value);
  args.push('--chdir', plan.workspace, '--', '/bin/sh', '-c', plan.command);
  return args;
}
