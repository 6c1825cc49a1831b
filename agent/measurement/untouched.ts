/**
 * What a run may not change: every file of the workspace outside the editable ones (read-only
 * files, nightshift.json, anything else the sandbox ships) and where the node_modules link
 * points. Taken right before the run and compared right after it, before any reset could
 * restore what the run did. Files a run creates are not listed: the reset removes them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type TreeState = Map<string, string>;

// Past this size a file is known by its inode, size and change time (which no write can keep
// unchanged) rather than by its bytes, so a workspace holding a large data file stays cheap.
const HASH_UP_TO = 4 * 2 ** 20;

function describe(file: string, stat: fs.Stats): string {
  if (stat.isSymbolicLink()) return `link ${fs.readlinkSync(file)}`;
  if (!stat.isFile()) return `type ${stat.mode & fs.constants.S_IFMT}`;
  if (stat.size > HASH_UP_TO) return `big ${stat.ino} ${stat.size} ${stat.ctimeMs}`;
  return `sha256 ${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
}

export function treeState(dir: string, editable: readonly string[]): TreeState {
  // A workspace made before the history moved beside it keeps .git inside (mounted read-only in bubblewrap).
  const skip = new Set(['.git', ...editable.map((f) => path.normalize(f))]);
  const state: TreeState = new Map();
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (skip.has(child)) continue;
      const full = path.join(dir, child);
      if (entry.isDirectory()) walk(child);
      else state.set(child, describe(full, fs.lstatSync(full)));
    }
  };
  walk('');
  return state;
}

/** Files of `before` that are now different or gone, in order. */
export function changedSince(dir: string, editable: readonly string[], before: TreeState): string[] {
  const after = treeState(dir, editable);
  return [...before.keys()].filter((file) => after.get(file) !== before.get(file)).sort();
}
