/**
 * A checkout per run (docs/design.md, "Executors"): so that runs of different changes can go at
 * once, each runs in its own git worktree of the session's repository, at the run's base commit
 * with its diff applied, at `<session>/runs/<run name>/checkout`.
 *
 * It is protected as the session's workspace is (workspace.ts): its `.git` file is removed at once,
 * so the history stays beside it, out of the run's reach, and git is driven with GIT_DIR set to the
 * worktree's own folder inside the session's repository; node_modules is a link to the session's
 * modules, and `modules` says what it should point to whatever the run made of it. A checkout is
 * never reset: it is made, run in once, and removed when its run is decided.
 *
 * After the agent restarts, `forRun` finds a checkout made for that run name at that commit and
 * diff and reuses it untouched (a job may still be running in it); one half-made (no marker, no
 * worktree entry, another commit) is removed and made again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../validation.ts';
import { GarbledJsonError, readJsonFile, writeJsonFile } from '../json-file.ts';
import { Workspace } from './workspace.ts';
import { entriesFor, entryHead, pruneEntriesFor, worktreeEntries } from './worktrees.ts';

/** A run name as a single folder name: it names the checkout's folder. */
const RunName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'must be letters, digits, dots, dashes and underscores');

const Spec = z.object({
  name: RunName,
  // A full hash, as the log stores it: a short one or a ref could not be compared with the worktree's HEAD.
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full commit hash'),
  diff: z.string(),
});
export type CheckoutSpec = z.infer<typeof Spec>;

/** Written last, beside the checkout: its presence says the checkout was made whole, and for what. */
const Marker = z.object({ commit: z.string(), diffSha256: z.string() });

export const CHECKOUT_DIR = 'checkout';
const MARKER_FILE = 'checkout.json';

export interface Checkout {
  readonly name: string;
  readonly commit: string;
  /** The work tree: the run's cwd, and what the measurement reads where it reads `workspace.dir`. */
  readonly dir: string;
  /** What its node_modules link should point to (the session's), as `Workspace.modules`. */
  readonly modules: string | null;
  /** The checkout as a Workspace (read, write, diff), its repository outside it. */
  readonly workspace: Workspace;
  /** Made by an earlier agent and found whole: left exactly as it was. */
  readonly reused: boolean;
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export class Checkouts {
  // One git worktree command at a time: two adds at once may race for the same entry name.
  private queue: Promise<unknown> = Promise.resolve();

  /** `session` is the session's workspace; `root` holds one folder per run (the run folders). */
  constructor(
    private readonly session: Workspace,
    readonly root: string,
  ) {}

  /** The checkouts of a session, in `runs/` beside its workspace. */
  static of(session: Workspace): Checkouts {
    return new Checkouts(session, path.join(path.dirname(session.dir), 'runs'));
  }

  /** Where the checkout of run `name` lives. */
  dirOf(name: string): string {
    return path.join(this.root, checkedName(name), CHECKOUT_DIR);
  }

  /** The run's checkout: found whole and reused, or made (again). */
  forRun(spec: CheckoutSpec): Promise<Checkout> {
    const parsed = Spec.safeParse(spec);
    if (!parsed.success) return Promise.reject(new Error(`a checkout cannot be made for run ${JSON.stringify(spec.name)}: ${describeZodError(parsed.error)}`));
    return this.serial(() => this.make(parsed.data));
  }

  /** Removes the run's checkout and prunes its worktree; the run folder's other files stay. Absent is fine. */
  remove(name: string): Promise<void> {
    const checked = checkedName(name);
    return this.serial(async () => this.removeNow(checked));
  }

  /** Names of the runs that have a checkout (whole or not). */
  names(): string[] {
    let folders: string[];
    try {
      folders = fs.readdirSync(this.root);
    } catch (error) {
      // No run was ever prepared in this session.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return folders
      .filter((name) => RunName.safeParse(name).success)
      .filter((name) => fs.existsSync(path.join(this.root, name, CHECKOUT_DIR)) || fs.existsSync(path.join(this.root, name, MARKER_FILE)))
      .sort();
  }

  /**
   * After a restart: removes every checkout whose run is not in `keep` (runs decided while no agent
   * ran), and the worktree entries left for checkouts already gone. Returns the names removed.
   */
  sweep(keep: Iterable<string>): Promise<string[]> {
    const kept = new Set(keep);
    return this.serial(async () => {
      const removed = this.names().filter((name) => !kept.has(name));
      for (const name of removed) this.removeNow(name);
      const root = path.resolve(this.root) + path.sep;
      for (const { entry, tree } of worktreeEntries(this.session.gitDir)) {
        if (tree.startsWith(root) && !fs.existsSync(tree)) fs.rmSync(entry, { recursive: true, force: true });
      }
      return removed;
    });
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    // The queue only orders the jobs; each job's failure reaches its own caller through `next`.
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async make(spec: CheckoutSpec): Promise<Checkout> {
    const found = this.whole(spec);
    if (found) return found;
    this.removeNow(spec.name);
    const folder = path.join(this.root, spec.name);
    const dir = path.join(folder, CHECKOUT_DIR);
    fs.mkdirSync(folder, { recursive: true });
    try {
      // Locked: a `git worktree prune` (gc runs one) must never drop the entry of a checkout without `.git`.
      await this.session.git.run(['worktree', 'add', '-q', '--detach', '--lock', dir, spec.commit]);
      const entry = entriesFor(this.session.gitDir, dir)[0];
      if (entry === undefined) throw new Error(`git made no worktree entry for ${dir}`);
      fs.rmSync(path.join(dir, '.git'));
      const workspace = Workspace.attach(dir, entry, this.session.modules);
      workspace.linkModules();
      await workspace.apply(spec.diff);
      writeJsonFile(path.join(folder, MARKER_FILE), { commit: spec.commit, diffSha256: sha256(spec.diff) });
      return { name: spec.name, commit: spec.commit, dir, modules: workspace.modules, workspace, reused: false };
    } catch (error) {
      // A checkout that could not be made whole (a diff that does not apply) leaves nothing behind.
      this.removeNow(spec.name);
      throw error;
    }
  }

  /** The checkout made for exactly this spec, when its marker, its directory and its worktree entry all agree. */
  private whole(spec: CheckoutSpec): Checkout | null {
    const folder = path.join(this.root, spec.name);
    const dir = path.join(folder, CHECKOUT_DIR);
    const marker = readMarker(path.join(folder, MARKER_FILE));
    if (marker === null || marker.commit !== spec.commit || marker.diffSha256 !== sha256(spec.diff)) return null;
    if (!fs.existsSync(dir)) return null;
    const entries = entriesFor(this.session.gitDir, dir);
    if (entries.length !== 1 || entryHead(entries[0]!) !== spec.commit) return null;
    const workspace = Workspace.attach(dir, entries[0]!, this.session.modules);
    return { name: spec.name, commit: spec.commit, dir, modules: workspace.modules, workspace, reused: true };
  }

  private removeNow(name: string): void {
    const folder = path.join(this.root, name);
    const dir = path.join(folder, CHECKOUT_DIR);
    // The marker first: a removal cut short never leaves a marker beside a partial checkout.
    fs.rmSync(path.join(folder, MARKER_FILE), { force: true });
    fs.rmSync(path.join(folder, `${MARKER_FILE}.tmp`), { force: true });
    // Never follows links: the node_modules link goes, the modules stay.
    fs.rmSync(dir, { recursive: true, force: true });
    pruneEntriesFor(this.session.gitDir, dir);
  }
}

function checkedName(name: string): string {
  const parsed = RunName.safeParse(name);
  if (!parsed.success) throw new Error(`${JSON.stringify(name)} is not a run name: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** The marker's content, or null when it is absent or not one (a checkout made in part). */
function readMarker(file: string): z.infer<typeof Marker> | null {
  let json: unknown;
  try {
    json = readJsonFile(file);
  } catch (error) {
    if (error instanceof GarbledJsonError) return null;
    throw error;
  }
  const parsed = Marker.safeParse(json);
  return parsed.success ? parsed.data : null;
}
