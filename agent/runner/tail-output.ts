/**
 * Follows a run's output as an executor leaves it (docs/design.md, "Executors"): the wrapper writes
 * the command's stdout and stderr to `output.log` in the run folder and, once the command has ended,
 * `result.json`. Lines are split as lines.ts splits a child's pipes (same breaks, same cap) and read
 * as run-training.ts reads them (output-reader.ts), until the run has ended and the file is drained.
 *
 * Polling, not fs.watch: a Slurm run folder sits on a shared filesystem (NFS, Lustre) where inotify
 * never hears of writes made on another node, and fs.watch differs by platform; one read() every
 * quarter second per run is nothing beside a training run, and a read that finds data is followed
 * by the next at once, so a busy log is never behind by more than one interval.
 *
 * The run folder's names and its result file belong to executors/ (run-folder.ts), which may build
 * on runner/; so the caller names the file and says how to tell that the run has ended.
 */
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLines } from './lines.ts';
import { LINE_CAP, type OutputOptions, type OutputSummary, outputReader } from './output-reader.ts';

export interface TailRequest extends Partial<OutputOptions> {
  /** The run's output.log; it may not exist yet (the run is pending), or ever (its wrapper could not start it). */
  file: string;
  /** Whether the run has ended (its result.json is there): once it has, the file is read to its end and the tail stops. */
  ended: () => boolean;
  /** Where to start (a byte offset, 0 by default). One that is not at a line start skips the rest of that line. */
  from?: number;
  /** Bytes kept of one line; a longer one is cut (default: run-training's cap, 1 MiB). */
  lineCap?: number;
  pollMs?: number;
  /** Aborting stops the tail at once: lines not yet delivered are dropped. */
  signal?: AbortSignal;
}

export interface TailResult extends OutputSummary {
  /** Stopped by the signal, not by the run's end. */
  aborted: boolean;
  /** Bytes of the file read: where a later tail of the same file would go on from. */
  offset: number;
}

const CHUNK = 64 * 1024;
const ASK_EVERY = 16 * CHUNK;
const LF = 0x0a;
const CR = 0x0d;

export async function tailOutput(req: TailRequest): Promise<TailResult> {
  const cap = req.lineCap ?? LINE_CAP;
  const output = outputReader({ log: req.log ?? (() => {}), onStep: req.onStep, maxStepRows: req.maxStepRows, lineCap: cap, protocol: req.protocol });
  let stopped = false;
  const lines = new PassThrough();
  // Every line of output.log is both streams at once: @ns lines count wherever they were printed.
  const reading = readLines(lines, cap, (line, cut) => stopped || output.line(line, cut, true));
  const start = startOf(req.file, req.from ?? 0);
  let offset = start.offset;
  let skipping = start.skipLine;
  let afterCR = start.afterCR;
  const push = (bytes: Buffer) => {
    let chunk = bytes;
    if (afterCR && chunk[0] === LF) chunk = chunk.subarray(1);
    afterCR = false;
    if (skipping) {
      const at = lineBreak(chunk);
      if (at === -1) return;
      skipping = false;
      afterCR = chunk[at] === CR && at === chunk.length - 1;
      chunk = chunk.subarray(chunk[at] === CR && chunk[at + 1] === LF ? at + 2 : at + 1);
    }
    if (chunk.length > 0) lines.write(chunk);
  };

  let file: fs.promises.FileHandle | null = null;
  let aborted = false;
  try {
    // Once the run has ended: the file's size then. A process the command left behind may write on;
    // reading stops there, so it cannot keep the tail going.
    let endSize: number | null = null;
    // Bytes read since the run's end was last asked about: a file that never stops growing (such a
    // leftover) would otherwise keep every read finding data, and the end would never be asked.
    let unasked = 0;
    for (;;) {
      if (req.signal?.aborted) {
        aborted = true;
        break;
      }
      if (endSize !== null && offset >= endSize) break;
      file ??= await openIfThere(req.file);
      const bytes = file && (endSize !== null || unasked < ASK_EVERY) ? await readAt(file, offset, endSize) : null;
      if (bytes) {
        offset += bytes.length;
        unasked += bytes.length;
        push(bytes);
        continue;
      }
      if (endSize !== null) break;
      const busy = unasked >= ASK_EVERY;
      unasked = 0;
      if (req.ended()) {
        // Read on from a fresh open: on NFS an open fd may not see the last writes of another node yet.
        await file?.close();
        file = await openIfThere(req.file);
        endSize = file ? (await file.stat()).size : 0;
        continue;
      }
      if (busy) continue;
      if (!(await pause(req.pollMs ?? 250, req.signal))) {
        aborted = true;
        break;
      }
    }
  } finally {
    await file?.close();
    stopped = aborted;
    lines.end();
    await reading;
  }
  return { ...output.summary(), aborted, offset };
}

/**
 * Where reading begins: `from`; whether the line it falls in the middle of must be skipped first;
 * whether it falls between the \r and the \n of one break (that \n is no line of its own).
 */
function startOf(file: string, from: number): { offset: number; skipLine: boolean; afterCR: boolean } {
  if (from <= 0) return { offset: 0, skipLine: false, afterCR: false };
  const before = Buffer.alloc(1);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    // No file yet: nothing to skip, and an offset into it means nothing; start at its beginning.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { offset: 0, skipLine: false, afterCR: false };
    throw error;
  }
  try {
    const read = fs.readSync(fd, before, 0, 1, from - 1);
    return { offset: from, skipLine: read === 1 && before[0] !== LF && before[0] !== CR, afterCR: read === 1 && before[0] === CR };
  } finally {
    fs.closeSync(fd);
  }
}

function lineBreak(bytes: Buffer): number {
  const lf = bytes.indexOf(LF);
  const cr = bytes.indexOf(CR);
  return lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
}

async function openIfThere(file: string): Promise<fs.promises.FileHandle | null> {
  try {
    return await fs.promises.open(file, 'r');
  } catch (error) {
    // The wrapper makes the file when the command starts; until then there is nothing to read.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The bytes at `offset`, before `end` if given (a fresh buffer: lines.ts keeps pieces of it), or null at the end. */
async function readAt(file: fs.promises.FileHandle, offset: number, end: number | null): Promise<Buffer | null> {
  const length = end === null ? CHUNK : Math.min(CHUNK, end - offset);
  if (length <= 0) return null;
  const buffer = Buffer.allocUnsafe(length);
  const { bytesRead } = await file.read(buffer, 0, length, offset);
  return bytesRead === 0 ? null : Buffer.from(buffer.subarray(0, bytesRead));
}

/** Waits `ms`; false when the signal aborted the wait. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (error) {
    if ((error as Error).name === 'AbortError') return false;
    throw error;
  }
}
