import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type Hashes = Record<string, string>;

/**
 * sha256 of each read-only file; a missing file hashes to 'missing' so deleting it is caught too,
 * and a symbolic link to its target's name (never followed), so a file swapped for a link to an
 * identical copy is caught as well.
 */
export function hashFiles(dir: string, files: readonly string[]): Hashes {
  const hashes: Hashes = {};
  for (const file of files) hashes[file] = hashOne(path.join(dir, file));
  return hashes;
}

function hashOne(full: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(full);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'missing';
    throw error;
  }
  if (stat.isSymbolicLink()) return `link -> ${fs.readlinkSync(full)}`;
  return crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
}

/** The read-only files whose content differs from the session's recorded hashes. */
export function changedReadonly(dir: string, expected: Hashes): string[] {
  const actual = hashFiles(dir, Object.keys(expected));
  return Object.keys(expected).filter((file) => actual[file] !== expected[file]);
}
