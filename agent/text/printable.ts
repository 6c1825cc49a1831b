/**
 * Text a training run produced (its log, its final line, a reason quoting its output, an
 * LLM-written description or diff) is printed on the user's terminal. Raw, it could move the
 * cursor, retitle the window, rewrite what was printed before (a fake "kept" line), or plant a
 * hyperlink: so every such text goes through `printable` first.
 */

/**
 * CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC strings (ESC P/X/^/_ ...
 * ST), the 8-bit C1 forms of the same introducers, and any other two-byte ESC sequence. A string
 * sequence left unterminated ends at the line's end: it must not swallow the rest of a log.
 */
const ESCAPE_SEQUENCE = new RegExp(
  [
    '(?:\\u001b\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?',
    '(?:\\u001b[\\]PX^_]|[\\u009d\\u0090\\u0098\\u009e\\u009f])[^\\u0007\\u001b\\u009c\\n]*(?:\\u0007|\\u001b\\\\|\\u009c)?',
    '\\u001b[\\u0020-\\u002f]*[\\u0030-\\u007e]?',
  ].join('|'),
  'g',
);

/** C0 controls but tab and newline, DEL, and the C1 range: none of them prints. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * `text` with every terminal escape sequence removed and every other control character except
 * tab and newline shown as U+FFFD, so what was there is visible but does nothing. A carriage
 * return is a control too (it would let a line overwrite itself on screen), except in a CRLF
 * line ending, which is printed as the newline it means.
 */
export function printable(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replaceAll('\r\n', '\n').replace(CONTROL, '\ufffd');
}

/** `printable` for a value that may be missing. */
export function printableOrNull(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : printable(text);
}

/** A row with every string field made printable (a log row read back for display). */
export function printableFields<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' ? printable(v) : v])) as T;
}

/**
 * A query's table with every text cell made printable, for the text formats (table, tsv, csv);
 * JSON already writes control characters as \u escapes, so it keeps the exact text.
 */
export function printableTable<T extends { rows: unknown[][] }>(table: T, format: string): T {
  if (format === 'json' || format === 'jsonl') return table;
  return { ...table, rows: table.rows.map((row) => row.map((cell) => (typeof cell === 'string' ? printable(cell) : cell))) };
}
