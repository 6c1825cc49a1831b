import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REPO } from '../helpers.ts';

const MAIN = path.join(REPO, 'agent', 'cli', 'main.ts');

/** Runs the real CLI as a child process, the way a user's shell would (stdout piped, so headless). */
export function nightshift(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ResultPromise<{ reject: false; all: true }> {
  return execa(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...options.env },
    reject: false,
    all: true,
    stdin: 'ignore',
  }) as ResultPromise<{ reject: false; all: true }>;
}
