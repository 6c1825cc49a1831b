import type { Readable } from 'node:stream';

/** One line of a child's output; `cut` when the line was longer than the cap and only its start is here. */
export type OnLine = (line: string, cut: boolean) => void;

/** Enough for any log line; a caller that relays larger lines (base64 payloads) passes its own cap. */
export const DEFAULT_LINE_CAP = 2 ** 20;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a stream into lines the way readline does (\n, \r or \r\n end a line, a last line without
 * one is still delivered), but never holds more than `maxBytes` of one line: readline buffers a
 * whole line, so a script printing without a newline grew the agent to hundreds of MB. A longer
 * line is delivered cut at the cap, the rest of it up to its end is dropped, and reading goes on.
 * Resolves when the stream ends, closes or fails.
 */
export function readLines(stream: Readable, maxBytes: number, onLine: OnLine): Promise<void> {
  let parts: Buffer[] = [];
  let size = 0;
  // The current line was already delivered cut; drop bytes until it ends.
  let dropping = false;
  // The last chunk ended in \r: a \n opening the next one belongs to the same break.
  let afterCR = false;

  const take = (piece: Buffer) => {
    if (dropping || piece.length === 0) return;
    const room = maxBytes - size;
    if (piece.length <= room) {
      parts.push(piece);
      size += piece.length;
      return;
    }
    parts.push(piece.subarray(0, room));
    onLine(Buffer.concat(parts).toString('utf8'), true);
    parts = [];
    size = 0;
    dropping = true;
  };
  const endLine = () => {
    if (!dropping) onLine(Buffer.concat(parts).toString('utf8'), false);
    parts = [];
    size = 0;
    dropping = false;
  };

  stream.on('data', (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = afterCR && bytes[0] === LF ? 1 : 0;
    afterCR = false;
    // Positions of the next \n and \r, found once each so a chunk of many lines stays linear.
    let nextLF = bytes.indexOf(LF, start);
    let nextCR = bytes.indexOf(CR, start);
    while (nextLF !== -1 || nextCR !== -1) {
      const at = nextCR === -1 || (nextLF !== -1 && nextLF < nextCR) ? nextLF : nextCR;
      take(bytes.subarray(start, at));
      endLine();
      start = at + 1;
      if (bytes[at] === CR) {
        if (start === bytes.length) afterCR = true;
        else if (bytes[start] === LF) start++;
      }
      if (nextLF !== -1 && nextLF < start) nextLF = bytes.indexOf(LF, start);
      if (nextCR !== -1 && nextCR < start) nextCR = bytes.indexOf(CR, start);
    }
    take(bytes.subarray(start));
  });

  return new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (size > 0) endLine();
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    // A broken pipe ends the output like its end does; the run's exit says what happened.
    stream.once('error', finish);
  });
}
