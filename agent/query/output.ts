import fs from 'node:fs';
import path from 'node:path';
import { styleText } from 'node:util';
import { UserError } from '../errors.ts';
import type { Colour, RenderOptions, TableFormat } from './format.ts';

/** Where a query command's text goes: a terminal (tables, colour), a pipe, or a file. */
export interface Sink {
  terminal: boolean;
  render: RenderOptions;
  write(text: string): void;
}

/** What a command writes to: process.stdout, or a stand-in in tests. */
export type Stdout = Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'columns' | 'on'>;

export function stdoutSink(stream: Stdout = process.stdout): Sink {
  const terminal = stream.isTTY === true;
  // A reader that stops early (`nightshift log | head`) is not an error.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const colour = terminal && !process.env.NO_COLOR;
  return {
    terminal,
    render: { width: terminal ? stream.columns : undefined, paint: colour ? paint : undefined },
    write: (text) => void stream.write(text),
  };
}

// The sink has already decided that colour is wanted; styleText would otherwise look at process.stdout itself.
const paint = (colour: Colour, text: string): string => styleText(colour, text, { validateStream: false });

/** The sink for --out FILE (checked before any work, so a bad path fails fast), else stdout. */
export function outputSink(out: string | undefined, stdout: Stdout = process.stdout): Sink {
  if (out === undefined) return stdoutSink(stdout);
  assertWritable(out);
  return { terminal: false, render: {}, write: (text) => writeFile(out, text) };
}

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

/** An aligned table for a person at a terminal, TSV for a pipe or a file, unless --format says. */
export function defaultFormat(requested: TableFormat | undefined, sink: Sink): TableFormat {
  return requested ?? (sink.terminal ? 'table' : 'tsv');
}
