import path from 'node:path';

/** What one sandboxed run may see and touch; everything else of the machine is absent. */
export interface BwrapPlan {
  /** Read-write: the session's workspace. */
  workspace: string;
  /** The run's artifact folder: read-write, or read-only for a process that only reads it (predict). */
  outDir: string;
  outReadonly?: boolean | undefined;
  /** Read-write: the session's cache folder, when there is one. */
  cacheDir?: string | undefined;
  /** Read-only, at the same path: exact system files and folders, interpreters, packages, a corpus… (missing ones are skipped). */
  readonly: string[];
  /** Symbolic links made in the view, [target, path]: merged-usr /bin -> usr/bin, /etc/localtime… */
  symlinks?: [string, string][] | undefined;
  /** Device nodes passed through when present (GPU: /dev/nvidia*, /dev/dri). */
  devices: string[];
  /** Files inside bound folders that must read as empty (credentials, the agent's log). */
  masked: string[];
  /** Folders inside bound folders that must read as empty (~/.ssh, the session's git folder). */
  emptied?: string[] | undefined;
  /** Size of the run's private /tmp: a tmpfs lives in memory, so it gets a quota. */
  tmpBytes: number;
  /** The whole environment the script gets. */
  env: Record<string, string>;
  /** The shell command line to run inside. */
  command: string;
}

interface Bind {
  path: string;
  flag: '--ro-bind-try' | '--ro-bind' | '--bind';
}

const writable = (bind: Bind) => bind.flag === '--bind';
const depth = (p: string) => p.split(path.sep).filter(Boolean).length;
const inside = (child: string, parent: string) => child.startsWith(parent + path.sep);

/**
 * Binds in mount order: parents before children, so a writable workspace inside a read-only
 * folder (or a read-only .git inside the workspace) lands on top. The root is never bound whole,
 * whoever asks; a bind inside another of the same kind adds nothing and is dropped; of two binds
 * of one path the later one wins.
 */
function mountOrder(binds: Bind[]): Bind[] {
  const byPath = new Map<string, Bind>();
  for (const bind of binds) {
    const p = path.resolve(bind.path);
    if (p === path.sep) continue;
    byPath.delete(p);
    byPath.set(p, { ...bind, path: p });
  }
  const sorted = [...byPath.values()].sort((a, b) => depth(a.path) - depth(b.path));
  return sorted.filter((bind, i) => {
    const parent = sorted.slice(0, i).reverse().find((p) => inside(bind.path, p.path));
    return !parent || writable(parent) !== writable(bind);
  });
}

/**
 * The bubblewrap command line for one run: a view built from exact paths (never `/`), the
 * workspace and artifact folder writable, a fresh /tmp and HOME, no network, its own PID
 * namespace, killed with the agent, and exactly the given environment.
 */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const args = ['--unshare-all', '--unshare-pid', '--die-with-parent', '--new-session', '--clearenv'];
  // /tmp first: a bind below it (nightshift installed in /tmp/x, a workspace in /tmp) must land
  // on top of the fresh tmpfs, not be covered by it.
  args.push('--size', String(plan.tmpBytes), '--tmpfs', '/tmp');
  // A procfs of the run's own PID namespace: the agent and the machine's processes are not in it.
  args.push('--proc', '/proc', '--dev', '/dev');
  for (const device of plan.devices) args.push('--dev-bind-try', device, device);
  for (const [target, link] of plan.symlinks ?? []) args.push('--symlink', target, link);
  const binds = mountOrder([
    ...plan.readonly.map((p): Bind => ({ path: p, flag: '--ro-bind-try' })),
    { path: plan.workspace, flag: '--bind' },
    { path: plan.outDir, flag: plan.outReadonly ? '--ro-bind' : '--bind' },
    ...(plan.cacheDir ? [{ path: plan.cacheDir, flag: '--bind' } as Bind] : []),
    // The workspace's history lives beside it, outside the view; a workspace made with .git
    // inside (older sessions) gets that .git read-only, so the script cannot delete what
    // keep/revert need.
    { path: path.join(plan.workspace, '.git'), flag: '--ro-bind-try' },
  ]);
  for (const bind of binds) args.push(bind.flag, bind.path, bind.path);
  // Masks go over the binds they sit in, so they come after all of them; one outside every bind
  // is left out (it is invisible already, and its mount point would reveal its name).
  const covered = (p: string) => binds.some((bind) => inside(path.resolve(p), bind.path));
  for (const folder of (plan.emptied ?? []).filter(covered)) args.push('--tmpfs', folder, '--remount-ro', folder);
  for (const file of plan.masked.filter(covered)) args.push('--ro-bind', '/dev/null', file);
  // bwrap's own root is a writable tmpfs (it holds /etc, the mount points…); nothing may be left there.
  args.push('--remount-ro', '/');
  const env = { ...plan.env, HOME: '/tmp', TMPDIR: '/tmp' };
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) args.push('--setenv', name, value);
  args.push('--chdir', plan.workspace, '--', '/bin/sh', '-c', plan.command);
  return args;
}
