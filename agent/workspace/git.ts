import { execa } from 'execa';

/**
 * A git repository driven through the real git binary, with an identity of its own. With
 * `gitDir`, the repository lives outside the work tree `dir` (GIT_DIR + GIT_WORK_TREE).
 */
export class Git {
  constructor(
    readonly dir: string,
    private readonly gitDir?: string,
  ) {}

  async run(args: string[], input?: string): Promise<string> {
    const result = await execa('git', args, {
      cwd: this.dir,
      input,
      stripFinalNewline: false,
      env: {
        GIT_AUTHOR_NAME: 'nightshift',
        GIT_AUTHOR_EMAIL: 'nightshift@localhost',
        GIT_COMMITTER_NAME: 'nightshift',
        GIT_COMMITTER_EMAIL: 'nightshift@localhost',
        GIT_CONFIG_NOSYSTEM: '1',
        ...(this.gitDir ? { GIT_DIR: this.gitDir, GIT_WORK_TREE: this.dir } : {}),
      },
    });
    return result.stdout;
  }

  async head(): Promise<string> {
    return (await this.run(['rev-parse', 'HEAD'])).trim();
  }
}
