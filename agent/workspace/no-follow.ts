import fs from 'node:fs';
import { UserError } from '../errors.ts';

/**
 * A write refused because its target is a symbolic link (it could lead out of the workspace).
 * A UserError: if it ever reaches the top it is one line, not a stack.
 */
export class LinkRefused extends UserError {
  constructor(readonly file: string) {
    super(`${file} is a symbolic link; nightshift never reads or writes through links`);
  }
}

/**
 * Writes `text` to `file` without ever following a link at its last component (O_NOFOLLOW): a
 * link planted where an editable file was would otherwise take the write outside the workspace.
 * Linked parent folders are refused earlier, when the sandbox is loaded (config/load.ts).
 */
export function writeFileNoFollow(file: string, text: string, shown = file): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    // ELOOP is what O_NOFOLLOW answers for a link; anything else is a real failure to report as it is.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new LinkRefused(shown);
    throw error;
  }
  try {
    fs.writeFileSync(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads `file` as text, refusing a link at its last component (O_NOFOLLOW) like the write. */
export function readFileNoFollow(file: string, shown = file): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new LinkRefused(shown);
    throw error;
  }
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}
