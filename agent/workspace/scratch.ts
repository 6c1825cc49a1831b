import fs from 'node:fs';
import { Workspace } from './workspace.ts';

/**
 * A second checkout of the session's workspace (a git worktree beside it) where a proposal can
 * be made while training runs elsewhere (Claude's speculation, the parallel loop's proposals).
 * Its diff is applied where and when the proposal is used.
 */
export class Scratch {
  private workspace: Workspace | undefined;
  private owner: Workspace | undefined;

  constructor(private readonly dir: string) {}

  /** The scratch checkout, clean, at `head` of the real workspace. */
  async at(real: Workspace, head: string): Promise<Workspace> {
    if (!this.workspace) {
      // A worktree left by an agent that was killed is replaced, not reused.
      fs.rmSync(this.dir, { recursive: true, force: true });
      await real.git.run(['worktree', 'prune']);
      await real.git.run(['worktree', 'add', '-q', '--detach', '--force', this.dir, head]);
      this.workspace = Workspace.open(this.dir);
      this.owner = real;
    }
    await this.workspace.resetTo(head);
    return this.workspace;
  }

  async remove(): Promise<void> {
    if (!this.owner) return;
    // Whatever git says (a worktree it no longer knows, a locked one), the folder is removed by hand.
    await this.owner.git.run(['worktree', 'remove', '--force', this.dir]).catch(() => fs.rmSync(this.dir, { recursive: true, force: true }));
    this.workspace = undefined;
    this.owner = undefined;
  }
}
