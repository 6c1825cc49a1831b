import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type Hashes = Record<string, string>;

/** sha256 of each read-only file; a missing file hashes to 'missing' so deleting it is caught too. */
export function hashFiles(dir: string, files: readonly string[]): Hashes {
  const hashes: Hashes = {};
  for (const file of files) {
    const full = path.join(dir, file);
    hashes[file] = fs.existsSync(full)
      ? crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')
      : 'missing';
  }
  return hashes;
}

/** The read-only files whose content differs from the session's recorded hashes. */
export function changedReadonly(dir: string, expected: Hashes): string[] {
  const actual = hashFiles(dir, Object.keys(expected));
  return Object.keys(expected).filter((file) => actual[file] !== expected[file]);
}
