/**
 * The git worktree entries of a repository (`<common>/worktrees/<id>/`), found by the work tree
 * they serve. A run's checkout has no `.git` file (checkouts.ts), so git's own `worktree remove`
 * refuses it; removing the entry folder is what `git worktree prune` does, for that one entry only.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Each entry folder under `commonDir` and the work tree it records (its `gitdir` file names `<tree>/.git`). */
export function worktreeEntries(commonDir: string): { entry: string; tree: string }[] {
  const root = path.join(commonDir, 'worktrees');
  let ids: string[];
  try {
    ids = fs.readdirSync(root);
  } catch (error) {
    // No worktree was ever added to this repository.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return ids.flatMap((id) => {
    const entry = path.join(root, id);
    let gitdir: string;
    try {
      gitdir = fs.readFileSync(path.join(entry, 'gitdir'), 'utf8').trim();
    } catch (error) {
      // An entry git was killed while making has no gitdir yet: it serves no tree, and is left alone.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
    return [{ entry, tree: path.dirname(gitdir) }];
  });
}

/** The entry folders that serve `tree` (normally one; more only after an interrupted add). */
export function entriesFor(commonDir: string, tree: string): string[] {
  const wanted = path.resolve(tree);
  return worktreeEntries(commonDir)
    .filter((e) => e.tree === wanted)
    .map((e) => e.entry);
}

/** Removes the entries serving `tree`: the worktree is pruned, its work tree is left to the caller. */
export function pruneEntriesFor(commonDir: string, tree: string): void {
  for (const entry of entriesFor(commonDir, tree)) fs.rmSync(entry, { recursive: true, force: true });
}

/** The commit an entry's HEAD holds (a checkout is always detached), or null when it holds none. */
export function entryHead(entry: string): string | null {
  try {
    const head = fs.readFileSync(path.join(entry, 'HEAD'), 'utf8').trim();
    return /^[0-9a-f]{40,64}$/.test(head) ? head : null;
  } catch (error) {
    // A half-made entry without HEAD holds no commit.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
