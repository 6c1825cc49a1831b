/**
 * The session's cache (nightshift.json "prepare"): what every run would otherwise make again at its
 * start, the default sandbox's 2M-character corpus for one, made once by the sandbox's read-only
 * prepare command into a folder beside the workspace, then handed to each run read-only as
 * NIGHTSHIFT_CACHE. A prepare command that fails leaves no cache: the runs make what they need.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execaOwnSession } from '../runner/own-session.ts';
import type { MeasuredSession } from './run-request.ts';

/** Written last, so a folder without it (a prepare killed halfway) is never handed to a run. */
const DONE = '.done';
const PREPARE_TIMEOUT_MS = 10 * 60_000;

export function cacheDir(opened: Pick<MeasuredSession, 'workspace'>): string {
  return path.join(path.dirname(opened.workspace.dir), 'cache');
}

/** The cache folder when it is complete, else null. */
export function readyCache(opened: Pick<MeasuredSession, 'workspace'>): string | null {
  const dir = cacheDir(opened);
  return fs.existsSync(path.join(dir, DONE)) ? dir : null;
}

// One prepare per session folder, however many runs start at once.
const preparing = new Map<string, Promise<string | null>>();

/**
 * Runs the prepare command unless the cache is complete (a resumed session keeps it); the folder,
 * or null. env: the protocol's variables for it (run-request.ts cacheEnvironment).
 */
export function prepareCache(opened: MeasuredSession, env: Record<string, string>): Promise<string | null> {
  const command = opened.sandbox.config.prepare;
  if (command === undefined) return Promise.resolve(null);
  const dir = cacheDir(opened);
  let pending = preparing.get(dir);
  if (!pending) {
    pending = readyCache(opened) ? Promise.resolve(dir) : runPrepare(command, opened.workspace.dir, dir, env);
    preparing.set(dir, pending);
  }
  return pending;
}

async function runPrepare(command: string, cwd: string, dir: string, env: Record<string, string>): Promise<string | null> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const log = `${dir}.log`;
  const result = await execaOwnSession('/bin/sh', ['-c', command], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    timeout: PREPARE_TIMEOUT_MS,
    all: true,
    stdin: 'ignore',
  });
  fs.writeFileSync(log, `${command}\n${result.all ?? ''}\nexit ${result.exitCode ?? result.signal}\n`);
  if (result.exitCode !== 0) return null;
  fs.writeFileSync(path.join(dir, DONE), '');
  return dir;
}
