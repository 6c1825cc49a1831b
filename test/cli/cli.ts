import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { isSecretName } from '../../agent/runner/env.ts';
import { REPO } from '../helpers.ts';

const MAIN = path.join(REPO, 'agent', 'cli', 'main.ts');

/** Runs the real CLI as a child process, the way a user's shell would (stdout piped, so headless). */
export function nightshift(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ResultPromise<{ reject: false; all: true }> {
  return execa(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: options.cwd ?? REPO,
    // The test runner's own *_KEY/*_TOKEN variables (a CI's, say) are not passed on: with one,
    // run starts itself again without them (secret-handoff.ts), and the tests that kill the
    // agent mean the process that runs the loop. Tests that want a key give it in `env`.
    extendEnv: false,
    env: { ...withoutSecrets(process.env), ...options.env },
    reject: false,
    all: true,
    stdin: 'ignore',
  }) as ResultPromise<{ reject: false; all: true }>;
}

function withoutSecrets(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !isSecretName(e[0])));
}
