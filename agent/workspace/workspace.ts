import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { Git } from './git.ts';

/** Never copied into a workspace: dependencies are linked, and git state is the workspace's own. */
const SKIP = new Set(['node_modules', '.git', '.nightshift']);

/**
 * The session's copy of the sandbox: a git repository whose first commit is the baseline.
 * Keep = commit; revert = back to the last kept commit. The source sandbox is never touched.
 */
export class Workspace {
  readonly git: Git;

  private constructor(readonly dir: string) {
    this.git = new Git(dir);
  }

  /** Copies the sandbox and commits it as the baseline. */
  static async create(sandboxDir: string, dir: string, nodeModules: string): Promise<{ workspace: Workspace; commit: string }> {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new UserError(`workspace ${dir} already exists and is not empty`);
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.cpSync(sandboxDir, dir, {
      recursive: true,
      filter: (src) => !SKIP.has(path.basename(src)) || src === sandboxDir,
    });
    const sandboxModules = path.join(sandboxDir, 'node_modules');
    fs.symlinkSync(fs.existsSync(sandboxModules) ? sandboxModules : nodeModules, path.join(dir, 'node_modules'), 'dir');
    const ws = new Workspace(dir);
    await ws.git.run(['init', '-q', '-b', 'main']);
    await ws.git.run(['config', 'commit.gpgsign', 'false']);
    fs.appendFileSync(path.join(dir, '.git', 'info', 'exclude'), '/node_modules\n');
    await ws.git.run(['add', '-A']);
    await ws.git.run(['commit', '-q', '--allow-empty', '-m', 'baseline: the sandbox as given']);
    return { workspace: ws, commit: await ws.git.head() };
  }

  static open(dir: string): Workspace {
    if (!fs.existsSync(path.join(dir, '.git'))) throw new UserError(`workspace ${dir} is missing or not a git repository`);
    return new Workspace(dir);
  }

  /** After the agent died: git may have been killed mid-command and left its lock behind. */
  clearStaleLock(): void {
    fs.rmSync(path.join(this.dir, '.git', 'index.lock'), { force: true });
  }

  /** Discards every uncommitted change and untracked file, and moves HEAD to `commit`. */
  async resetTo(commit: string): Promise<void> {
    await this.git.run(['reset', '-q', '--hard', commit]);
    await this.git.run(['clean', '-q', '-fd']);
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

  /** Commits the current change and returns the new commit. */
  async commit(message: string): Promise<string> {
    await this.git.run(['add', '-A']);
    await this.git.run(['commit', '-q', '--allow-empty', '-m', message]);
    return this.git.head();
  }

  read(file: string): string {
    return fs.readFileSync(path.join(this.dir, file), 'utf8');
  }

  write(file: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, file), text);
  }
}
