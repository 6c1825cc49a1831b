import { createRequire } from 'node:module';
import type { Cell, RawTable } from '../store/raw-table.ts';

export type { Cell };

export interface Column {
  name: string;
  /** The aligned table's heading, where a person needs more than the machine name (TSV, CSV and JSON keep `name`). */
  label?: string;
  /** How the aligned table shows the value (machine formats always get the raw value). */
  display?: (value: Cell) => string;
  /** A colour for the table cell on a terminal, by value. */
  colour?: (value: Cell) => Colour | undefined;
}

export type Colour = 'green' | 'red' | 'yellow' | 'gray' | 'cyan';

export interface Table {
  columns: Column[];
  rows: Cell[][];
}

/** Columns shown as SQLite names them, with no display of ours. */
export const plainTable = (raw: RawTable): Table => ({ columns: raw.columns.map((name) => ({ name })), rows: raw.rows });

/** Loaded when a CSV is asked for: its modules would slow every `log`'s start-up (bench/cli-startup.ts). */
const csvStringify = () => (createRequire(import.meta.url)('csv-stringify/sync') as typeof import('csv-stringify/sync')).stringify;

export const TABLE_FORMATS = ['table', 'tsv', 'csv', 'json', 'jsonl'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

export interface RenderOptions {
  /** Terminal width: the table's last column is cut to fit. */
  width?: number;
  paint?: (colour: Colour, text: string) => string;
}

export function renderTable(table: Table, format: TableFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'table':
      return aligned(table, options);
    case 'tsv':
      return [table.columns.map((c) => tsvField(c.name)), ...table.rows.map((r) => r.map((v) => tsvField(plain(v))))]
        .map((fields) => `${fields.join('\t')}\n`)
        .join('');
    case 'csv':
      return csvStringify()([table.columns.map((c) => c.name), ...table.rows.map((r) => r.map(plain))]);
    case 'json':
      return `${JSON.stringify(objects(table), null, 2)}\n`;
    case 'jsonl':
      return objects(table)
        .map((o) => `${JSON.stringify(o)}\n`)
        .join('');
  }
}

/** Text for TSV/CSV: full precision, NULL as an empty field, blobs as hex. */
function plain(value: Cell): string {
  if (value === null) return '';
  if (Buffer.isBuffer(value)) return `x'${value.toString('hex')}'`;
  return String(value);
}

/** TSV has no quoting: escape the characters that would break a line or a field, as Postgres' text format does. */
function tsvField(text: string): string {
  if (!/[\\\t\n\r]/.test(text)) return text;
  return text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

function jsonValue(value: Cell): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}

/** Rows as objects; a repeated column name (SELECT a.id, b.id) gets a suffix instead of overwriting. */
function objects(table: Table): Record<string, unknown>[] {
  const seen = new Map<string, number>();
  const keys = table.columns.map(({ name }) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}_${n}`;
  });
  return table.rows.map((row) => Object.fromEntries(keys.map((k, i) => [k, jsonValue(row[i] ?? null)])));
}

function aligned(table: Table, { width, paint }: RenderOptions): string {
  const { columns } = table;
  const shown = table.rows.map((row) => columns.map((c, i) => oneLine(c.display ? c.display(row[i] ?? null) : plain(row[i] ?? null))));
  const heading = (c: Column) => c.label ?? c.name;
  const widths = columns.map((c, i) => Math.max(heading(c).length, ...shown.map((r) => r[i]!.length)));
  const numeric = columns.map((_, i) => table.rows.every((r) => r[i] === null || typeof r[i] === 'number' || typeof r[i] === 'bigint'));
  const last = columns.length - 1;
  if (width !== undefined && last >= 0) {
    const before = widths.slice(0, last).reduce((s, w) => s + w + 2, 0);
    widths[last] = Math.max(heading(columns[last]!).length, Math.min(widths[last]!, width - before));
  }
  const line = (cells: string[], row?: Cell[]) =>
    cells
      .map((text, i) => {
        const fitted = text.length > widths[i]! ? `${text.slice(0, widths[i]! - 1)}…` : text;
        const padded = i === last && !numeric[i] ? fitted : numeric[i] ? fitted.padStart(widths[i]!) : fitted.padEnd(widths[i]!);
        const colour = row && paint ? columns[i]!.colour?.(row[i] ?? null) : undefined;
        return colour ? paint!(colour, padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const header = line(columns.map(heading));
  return `${[paint ? paint('gray', header) : header, ...shown.map((cells, r) => line(cells, table.rows[r]))].join('\n')}\n`;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ⏎ ');
