import { Text } from 'ink';
import { num, signed } from '../../../format/numbers.ts';
import { DELTA_DECIDED_COLUMN } from '../../../session/kept-deltas.ts';
import { fit } from '../text.ts';
import { isFailed, type RecentRow } from '../view-model.ts';

/** What the decision column says: a failed or rejected run's status, else its verdict. */
function verdict(row: RecentRow): { text: string; colour?: string } {
  if (isFailed(row.status) || row.status === 'rejected' || row.status === 'interrupted') return { text: row.status, colour: 'red' };
  if (row.status === 'running' || row.status === 'queued') return { text: row.status, colour: 'cyan' };
  if (row.decision === 'keep') return { text: 'keep', colour: 'green' };
  if (row.decision === 'revert') return { text: 'revert', colour: 'yellow' };
  return { text: row.decision ?? row.status, colour: row.decision === 'baseline' ? 'blue' : undefined };
}

/** Column widths for a width: the change and the reason share what the fixed columns leave. */
export function columns(width: number): { change: number; reason: number } {
  const fixed = 2 + 6 + 12 + 10 + 10 + 12;
  const left = Math.max(8, width - fixed);
  if (left < 50) return { change: left, reason: 0 };
  const change = Math.max(30, Math.floor(left * 0.45));
  return { change, reason: left - change - 1 };
}

/**
 * Newest first; the window follows the selection, so arrows can walk back through the whole
 * night while the newest runs stay on top otherwise.
 */
export function RecentTable({ rows, height, width, selected }: { rows: readonly RecentRow[]; height: number; width: number; selected: number | null }) {
  const visible = height - 1;
  const index = selected === null ? -1 : rows.findIndex((r) => r.id === selected);
  const offset = Math.max(0, index - visible + 1);
  const { change, reason } = columns(width);
  const head = `  ${'#'.padEnd(6)}${'kind'.padEnd(12)}${fit('change', change)}${'metric'.padStart(10)}${DELTA_DECIDED_COLUMN.padStart(10)}  ${'decision'.padEnd(10)}${reason > 0 ? ' reason' : ''}`;
  return (
    <>
      <Text wrap="truncate-end" color="gray">
        {head}
      </Text>
      {rows.slice(offset, offset + visible).map((row) => {
        const v = verdict(row);
        const mark = row.id === selected;
        return (
          <Text key={row.id} wrap="truncate-end" inverse={mark}>
            {mark ? '› ' : '  '}
            {fit(`#${row.id}`, 6)}
            {fit(row.kind, 12)}
            {fit(row.description, change)}
            {num(row.metric).padStart(10)}
            {signed(row.delta).padStart(10)}
            {'  '}
            <Text color={mark ? undefined : v.colour}>{fit(v.text, 10)}</Text>
            {reason > 0 && row.reason ? <Text color="gray"> {fit(row.reason, reason)}</Text> : ''}
          </Text>
        );
      })}
    </>
  );
}
