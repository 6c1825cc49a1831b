import { styleText } from 'node:util';
import { assertWritable, writeFile } from '../output-file.ts';
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

/** An aligned table for a person at a terminal, TSV for a pipe or a file, unless --format says. */
export function defaultFormat(requested: TableFormat | undefined, sink: Sink): TableFormat {
  return requested ?? (sink.terminal ? 'table' : 'tsv');
}
