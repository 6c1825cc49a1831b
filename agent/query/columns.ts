/** Table columns of the experiments table, shared by `log` and `export`: how a person reads each one. */
import { mebibytes, num, signed } from '../format/numbers.ts';
import type { Cell, Colour, Column } from './format.ts';
import { DELTA_DECIDED_COLUMN } from '../session/kept-deltas.ts';
import { isFailedRun } from '../store/types.ts';

const asNumber = (v: Cell): number | null => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null);

export const COLUMNS: Record<string, Column> = {
  status: { name: 'status', colour: (v): Colour | undefined => (isFailedRun(v) ? 'red' : v === 'rejected' || v === 'interrupted' ? 'yellow' : undefined) },
  decision: { name: 'decision', display: (v) => (v === null ? '-' : String(v)), colour: (v) => (v === 'keep' ? 'green' : v === 'revert' ? 'gray' : undefined) },
  metric: { name: 'metric', display: (v) => num(asNumber(v), 5) },
  // A row's delta is its verdict's: against the baseline it was decided on (re-measured deltas are in `report` and `show`).
  delta: { name: 'delta', label: DELTA_DECIDED_COLUMN, display: (v) => signed(asNumber(v)) },
  p: { name: 'p', display: (v) => num(asNumber(v), 2) },
  run_s: { name: 'run_s', display: (v) => (v === null ? '-' : asNumber(v)!.toFixed(1)) },
  peak_mem_mb: { name: 'peak_mem_mb', label: 'peak_mem', display: (v) => mebibytes(asNumber(v)) },
  created_at: { name: 'created_at', display: (v) => (typeof v === 'string' ? localMinute(v) : '-') },
};

/** "11-22 07:43" in the reader's time zone: the table is for a person, the log keeps UTC. */
function localMinute(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** A column by name: a known one with its display, otherwise shown as it is. */
export const column = (name: string): Column => COLUMNS[name] ?? { name };
