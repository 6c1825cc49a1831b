import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FAST_SANDBOX = path.join(REPO, 'test', 'fixtures', 'sandboxes', 'fast');

/** A fresh temporary folder, removed when the test file ends. */
export function tempDir(prefix = 'nightshift-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A copy of the fast sandbox, optionally with some files replaced, in a fresh folder. */
export function fastSandbox(replace: Record<string, string> = {}): string {
  const dir = path.join(tempDir(), 'sandbox');
  fs.cpSync(FAST_SANDBOX, dir, { recursive: true });
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
