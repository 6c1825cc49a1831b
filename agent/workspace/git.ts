import { execaOwnSession } from '../runner/own-session.ts';

/**
 * Every git command runs with hooks off, no system or global configuration, no fsmonitor, and a
 * minimal environment: a workspace's repository could hold hooks or settings a training script
 * planted (without bubblewrap it can reach `workspace.git`), and git must never run them, nor
 * hand them the agent's secrets. docs/design.md, "Rules" (the reset).
 */
const SAFE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false'];

/** The only variables git sees besides its own GIT_* ones: nothing inherited can carry a secret. */
export function gitEnvironment(parent: NodeJS.ProcessEnv, gitDirs: { gitDir: string; workTree: string } | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG'] as const) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    GIT_AUTHOR_NAME: 'nightshift',
    GIT_AUTHOR_EMAIL: 'nightshift@localhost',
    GIT_COMMITTER_NAME: 'nightshift',
    GIT_COMMITTER_EMAIL: 'nightshift@localhost',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...(gitDirs ? { GIT_DIR: gitDirs.gitDir, GIT_WORK_TREE: gitDirs.workTree } : {}),
  };
}

/**
 * A git repository driven through the real git binary, with an identity of its own. With
 * `gitDir`, the repository lives outside the work tree `dir` (GIT_DIR + GIT_WORK_TREE).
 */
export class Git {
  constructor(
    readonly dir: string,
    private readonly gitDir?: string,
  ) {}

  /** `extra`: git's own variables for this command alone (a private index, fixed dates). */
  async run(args: string[], input?: string, extra: Record<string, string> = {}): Promise<string> {
    const result = await execaOwnSession('git', [...SAFE_CONFIG, ...args], {
      cwd: this.dir,
      input,
      stripFinalNewline: false,
      extendEnv: false,
      env: { ...gitEnvironment(process.env, this.gitDir ? { gitDir: this.gitDir, workTree: this.dir } : null), ...extra },
    });
    return result.stdout;
  }

  async head(): Promise<string> {
    return (await this.run(['rev-parse', 'HEAD'])).trim();
  }
}
