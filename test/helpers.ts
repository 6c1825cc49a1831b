import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import type { ExperimentRow, SessionRow } from '../agent/store/types.ts';
import { outsideGitDir } from '../agent/workspace/workspace.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FAST_SANDBOX = path.join(REPO, 'test', 'fixtures', 'sandboxes', 'fast');
/** The fast sandbox sealed: train.mjs saves a model and answers as its predictor; evaluate.mjs (hidden) scores it. */
export const SEALED_SANDBOX = path.join(REPO, 'test', 'fixtures', 'sandboxes', 'sealed');

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'nightshift-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of a sandbox (the fast one by default), optionally with some files replaced, in a fresh folder. */
export function fastSandbox(replace: Record<string, string> = {}, from = FAST_SANDBOX): string {
  const dir = path.join(tempDir(), 'sandbox');
  fs.cpSync(from, dir, { recursive: true });
  for (const [file, text] of Object.entries(replace)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

/** Polls until `check` holds, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The fast sandbox, slowed by `ms` per run so a run is in flight long enough to act on. */
export function slowSandbox(ms: number): string {
  const sandbox = fastSandbox();
  const train = path.join(sandbox, 'train.mjs');
  fs.writeFileSync(train, `${fs.readFileSync(train, 'utf8')}\nawait new Promise((r) => setTimeout(r, ${ms}));\n`);
  return sandbox;
}

/** Every session and experiment row of a log, read-only; empty while the agent has not made it yet. */
export function readLog(db: string): { sessions: SessionRow[]; rows: ExperimentRow[] } {
  if (!fs.existsSync(db)) return { sessions: [], rows: [] };
  const reader = new Database(db, { readonly: true });
  try {
    return {
      sessions: reader.prepare('SELECT * FROM sessions ORDER BY id').all() as SessionRow[],
      rows: reader.prepare('SELECT * FROM experiments ORDER BY id').all() as ExperimentRow[],
    };
  } catch {
    // The agent may not have created the tables yet.
    return { sessions: [], rows: [] };
  } finally {
    reader.close();
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** git on a session's workspace, whose repository lives beside it; stdout, trimmed. */
export function workspaceGit(workspace: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', outsideGitDir(workspace), '--work-tree', workspace, ...args], { cwd: workspace, encoding: 'utf8' }).trim();
}
