import fs from 'node:fs';
import { printable } from '../text/printable.ts';

/** The last `n` lines of a run's log, reading only its end (run logs can be large), made printable. */
export function tailLines(file: string, n: number, chunk = 64 * 1024): string[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - chunk);
    const buffer = Buffer.alloc(size - start);
    fs.readSync(fd, buffer, 0, buffer.length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    // A partial first line of the chunk is dropped unless the chunk is the whole file.
    if (start > 0) lines.shift();
    return lines.slice(-n).map(printable);
  } finally {
    fs.closeSync(fd);
  }
}
