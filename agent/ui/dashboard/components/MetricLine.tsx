import { Text } from 'ink';
import { num, signed } from '../../../format/numbers.ts';
import type { LogView } from '../view-model.ts';

/** the current baseline's mean ± noise SD · best so far and its gain over the session's start · floor. */
export function MetricLine({ log }: { log: LogView }) {
  const { baseline, start, best, noise, floor, metric } = log.report;
  const sd = baseline.sd ?? noise.sd;
  const pct = best.delta !== null && start.mean ? (best.delta / Math.abs(start.mean)) * 100 : null;
  const gain = best.delta === null ? '' : ` (${signed(best.delta)}${pct === null ? '' : `, ${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`} vs start)`;
  return (
    <Text wrap="truncate-end">
      <Text bold>{metric}</Text> baseline{' '}
      {baseline.mean === null ? (
        <Text color="gray">measuring…</Text>
      ) : (
        <Text bold>
          {num(baseline.mean)}
          {sd === null ? '' : ` ± ${num(sd, 2)}`}
        </Text>
      )}
      <Text color="gray"> (n={baseline.n})</Text>
      {best.experiment !== null ? (
        <>
          {' · best '}
          <Text bold color="green">
            {num(best.mean)}
          </Text>
          {` #${best.experiment}${gain}`}
        </>
      ) : baseline.mean === null ? null : (
        <Text color="gray"> · no keep yet</Text>
      )}
      {floor === null ? '' : ` · floor ${num(floor)}`}
    </Text>
  );
}
