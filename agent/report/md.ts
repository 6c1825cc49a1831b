/** Markdown pieces the report's sections share. */
import { signed } from '../format/numbers.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
export const table = (head: string[], rows: string[][]): string => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
export const interval = (lo: number | null, hi: number | null): string => (lo === null || hi === null ? 'no noise estimate' : `[${signed(lo)}, ${signed(hi)}]`);
