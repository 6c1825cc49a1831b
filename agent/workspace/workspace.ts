import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { Git } from './git.ts';
import { readFileNoFollow, writeFileNoFollow } from './no-follow.ts';

/** Never copied into a workspace: dependencies are linked, and git state is the workspace's own. */
const SKIP = new Set(['node_modules', '.git', '.nightshift']);

/**
 * The session's copy of the sandbox: a git work tree whose first commit is the baseline.
 * Keep = commit; revert = back to the last kept commit. The source sandbox is never touched.
 *
 * The repository lives beside the work tree (`<dir>.git`), not inside it: a training script
 * may delete anything in its workspace, and with the history out of its reach the next reset
 * brings every file back, with or without bubblewrap. Workspaces made before this have `.git`
 * inside and are still opened as they are.
 */
export class Workspace {
  readonly git: Git;

  private constructor(
    readonly dir: string,
    /** The repository: `<dir>.git`, `<dir>/.git` (older workspaces), or a run's worktree folder (checkouts.ts). */
    readonly gitDir: string,
    /** What `node_modules` in the work tree links to, put back by a reset if a script removed it. */
    readonly modules: string | null,
  ) {
    this.git = new Git(dir, gitDir === path.join(dir, '.git') ? undefined : gitDir);
  }

  /** Copies the sandbox, less `exclude` (its hidden files, which only the evaluation sees), and commits it as the baseline. */
  static async create(
    sandboxDir: string,
    dir: string,
    nodeModules: string,
    exclude: readonly string[] = [],
  ): Promise<{ workspace: Workspace; commit: string }> {
    const excluded = new Set(exclude.map((f) => path.join(sandboxDir, f)));
    const gitDir = outsideGitDir(dir);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new UserError(`workspace ${dir} already exists and is not empty`);
    }
    fs.rmSync(gitDir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(sandboxDir, dir, {
      recursive: true,
      filter: (src) => src === sandboxDir || (!SKIP.has(path.basename(src)) && !excluded.has(src)),
    });
    const ws = new Workspace(dir, gitDir, Workspace.modulesFor(sandboxDir, nodeModules));
    ws.linkModules();
    await ws.git.run(['init', '-q', '-b', 'main']);
    await ws.git.run(['config', 'commit.gpgsign', 'false']);
    fs.appendFileSync(path.join(gitDir, 'info', 'exclude'), '/node_modules\n');
    await ws.git.run(['add', '-A']);
    await ws.git.run(['commit', '-q', '--allow-empty', '-m', 'baseline: the sandbox as given']);
    return { workspace: ws, commit: await ws.git.head() };
  }

  /** The sandbox's own dependencies where it has them, else nightshift's. */
  static modulesFor(sandboxDir: string, nodeModules: string): string {
    const own = path.join(sandboxDir, 'node_modules');
    return fs.existsSync(own) ? own : nodeModules;
  }

  /** Whether `dir` still has its git repository, beside it or (older workspaces) inside. */
  static hasRepository(dir: string): boolean {
    return fs.existsSync(outsideGitDir(dir)) || fs.existsSync(path.join(dir, '.git'));
  }

  /** An existing workspace; `modules` is what its node_modules link should point to, if it has one. */
  static open(dir: string, modules: string | null = null): Workspace {
    const outside = outsideGitDir(dir);
    if (fs.existsSync(outside)) {
      fs.mkdirSync(dir, { recursive: true });
      return new Workspace(dir, outside, modules);
    }
    const inside = path.join(dir, '.git');
    if (!fs.existsSync(inside)) throw new UserError(`workspace ${dir} is missing or not a git repository`);
    return new Workspace(dir, inside, modules);
  }

  /**
   * A work tree whose git folder is `gitDir`, kept outside it: a run's checkout, a worktree of the
   * session's repository whose `.git` file was removed (checkouts.ts). Nothing on disk is touched.
   */
  static attach(dir: string, gitDir: string, modules: string | null): Workspace {
    return new Workspace(dir, gitDir, modules);
  }

  /** After the agent died: git may have been killed mid-command and left its lock behind. */
  clearStaleLock(): void {
    fs.rmSync(path.join(this.gitDir, 'index.lock'), { force: true });
  }

  /**
   * Discards every uncommitted change and every untracked file, ignored ones and nested
   * repositories included (`clean -ffdx`: a run must leave nothing behind that the next one
   * could read), moves HEAD to `commit`, and makes the node_modules link anew.
   */
  async resetTo(commit: string): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    await this.git.run(['reset', '-q', '--hard', commit]);
    await this.git.run(['clean', '-q', '-ffdx']);
    this.linkModules();
  }

  /** node_modules is a link, untracked, so a reset alone would not bring it back; a script may have re-pointed it. */
  linkModules(): void {
    if (this.modules === null) return;
    const link = path.join(this.dir, 'node_modules');
    // Whatever is there (the old link, a dangling one, a folder a script made) is replaced.
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(this.modules, link, 'dir');
  }

  /** The whole working-tree change against HEAD, new files included, as a patch `apply` takes back. */
  async diff(): Promise<string> {
    await this.git.run(['add', '-A']);
    return this.git.run(['diff', '--cached', '--binary', 'HEAD']);
  }

  async apply(patch: string): Promise<void> {
    if (patch.trim() === '') return;
    await this.git.run(['apply', '--index', '--whitespace=nowarn', '-'], patch);
  }

  /**
   * `patch` on `parent` as a commit, leaving the work tree and the branch alone: its tree is built
   * in a private index and its dates are `at`, so one change on one parent is always the same
   * commit. The parallel schedule measures a probable keep's commit before its verdict
   * (agent/schedule/replay.ts), and the verdict's commit must be that very one.
   */
  async commitChange(parent: string, patch: string, message: string, at: string): Promise<string> {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-index-'));
    const index = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    try {
      await this.git.run(['read-tree', parent], undefined, index);
      if (patch.trim() !== '') await this.git.run(['apply', '--cached', '--whitespace=nowarn', '-'], patch, index);
      const tree = (await this.git.run(['write-tree'], undefined, index)).trim();
      const date = `${Math.floor(Date.parse(at) / 1000)} +0000`;
      const commit = await this.git.run(['commit-tree', tree, '-p', parent, '-m', message], undefined, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
      return commit.trim();
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  read(file: string): string {
    return readFileNoFollow(path.join(this.dir, file), file);
  }

  /** Never through a link: a write to a linked file is refused (LinkRefused), see no-follow.ts. */
  write(file: string, text: string): void {
    writeFileNoFollow(path.join(this.dir, file), text, file);
  }
}

/** Where a workspace's repository lives: beside it, out of the training script's reach. */
export const outsideGitDir = (dir: string): string => `${dir}.git`;
