import path from 'node:path';

/** What one isolated run may see and touch; everything else of the machine is absent. */
export interface BwrapPlan {
  /** Read-write: the session's workspace. */
  workspace: string;
  /** The run's artifact folder: read-write, or read-only for a process that only reads it (predict). */
  outDir: string;
  outReadonly?: boolean | undefined;
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

/** One mount of the view: a host path bound at the same path, or a mask that empties one. */
interface Mount {
  path: string;
  flag: '--ro-bind-try' | '--ro-bind' | '--bind' | 'empty-folder' | 'empty-file';
}

const isBind = (m: Mount) => m.flag.includes('bind');
const depth = (p: string) => p.split(path.sep).filter(Boolean).length;
const inside = (child: string, parent: string) => child.startsWith(parent + path.sep);

/**
 * Mounts in order, parents before children: a writable workspace inside a read-only folder, or a
 * read-only .git inside the workspace, lands on top; a mask comes after the bind it sits in, and
 * a bind inside a masked folder shows through it. The root is never bound whole, whoever asks;
 * a bind inside another of the same kind adds nothing and is dropped, as is a mask not inside a
 * bind (it is invisible already, and its mount point would reveal its name); of two mounts of
 * one path the later one wins.
 */
function mountOrder(mounts: Mount[]): Mount[] {
  const byPath = new Map<string, Mount>();
  for (const mount of mounts) {
    const p = path.resolve(mount.path);
    if (p === path.sep) continue;
    byPath.delete(p);
    byPath.set(p, { ...mount, path: p });
  }
  const sorted = [...byPath.values()].sort((a, b) => depth(a.path) - depth(b.path));
  return sorted.filter((mount, i) => {
    const parent = sorted
      .slice(0, i)
      .reverse()
      .find((p) => inside(mount.path, p.path));
    if (!isBind(mount)) return parent !== undefined && isBind(parent);
    return !parent || !isBind(parent) || (parent.flag === '--bind') !== (mount.flag === '--bind');
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
  const mounts = mountOrder([
    ...plan.readonly.map((p): Mount => ({ path: p, flag: '--ro-bind-try' })),
    { path: plan.workspace, flag: '--bind' },
    { path: plan.outDir, flag: plan.outReadonly ? '--ro-bind' : '--bind' },
    // The workspace's history lives beside it, outside the view; a workspace made with .git
    // inside (older sessions) gets that .git read-only, so the script cannot delete what
    // keep/revert need.
    { path: path.join(plan.workspace, '.git'), flag: '--ro-bind-try' },
    ...(plan.emptied ?? []).map((p): Mount => ({ path: p, flag: 'empty-folder' })),
    ...plan.masked.map((p): Mount => ({ path: p, flag: 'empty-file' })),
  ]);
  for (const { path: p, flag } of mounts) {
    if (flag === 'empty-folder') args.push('--tmpfs', p);
    else if (flag === 'empty-file') args.push('--ro-bind', '/dev/null', p);
    else args.push(flag, p, p);
  }
  // Emptied folders are made read-only last, once any bind inside them has its mount point.
  for (const { path: p } of mounts.filter((m) => m.flag === 'empty-folder')) args.push('--remount-ro', p);
  // bwrap's own root is a writable tmpfs (it holds /etc, the mount points…); nothing may be left there.
  args.push('--remount-ro', '/');
  const env = { ...plan.env, HOME: '/tmp', TMPDIR: '/tmp' };
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) args.push('--setenv', name, value);
  args.push('--chdir', plan.workspace, '--', '/bin/sh', '-c', plan.command);
  return args;
}
