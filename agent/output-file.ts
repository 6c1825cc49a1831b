import fs from 'node:fs';
import path from 'node:path';
import { UserError } from './errors.ts';

// A file the user named (--out, a chart), shared by the query commands and the report:
// checked before any work so a bad path fails fast, and every failure is one sentence.

/** Fails in one sentence when `file` can't be created or replaced. */
export function assertWritable(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    if (fs.existsSync(file)) {
      if (fs.statSync(file).isDirectory()) throw new UserError(`cannot write ${file}: it is a directory`);
      fs.accessSync(file, fs.constants.W_OK);
    } else {
      if (!fs.statSync(dir).isDirectory()) throw new UserError(`cannot write ${file}: a part of the path is not a directory`);
      fs.accessSync(dir, fs.constants.W_OK);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot write ${file}: ${describeFsError(error)}`);
  }
}

export function writeFile(file: string, data: string | Uint8Array): void {
  try {
    fs.writeFileSync(file, data);
  } catch (error) {
    throw new UserError(`cannot write ${file}: ${describeFsError(error)}`);
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'EROFS') return 'read-only file system';
  return (error as Error).message;
}
