import { Text } from 'ink';
import type { LogView } from '../view-model.ts';
import { textChart, type Mark } from '../text-chart.ts';

const COLOUR: Partial<Record<Mark, string>> = {
  axis: 'gray',
  band: 'blue',
  line: 'blue',
  best: 'green',
  floor: 'magenta',
  failed: 'red',
  tried: 'white',
  baseline: 'blue',
  kept: 'green',
};

/** The metric over experiments; its last line names the marks. */
export function Chart({ log, width, height }: { log: LogView; width: number; height: number }) {
  const lines = textChart(log.chart, width, height - 1);
  if (lines.length === 0) return null;
  return (
    <>
      {lines.map((segments, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a chart row is its position; rows are redrawn whole.
        <Text key={i} wrap="truncate-end">
          {segments.map((s, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a segment is its position in the row.
            <Text key={j} color={COLOUR[s.mark]} bold={s.mark === 'kept'}>
              {s.text}
            </Text>
          ))}
        </Text>
      ))}
      <Text wrap="truncate-end" color="gray">
        {'  '}
        {/* Short enough for 100 columns with the floor's key; the x-axis is the experiment. */}
        {log.chart.metric}: <Text color="green">◆ kept</Text> <Text color="blue">• baseline run</Text> · tried <Text color="red">× failed</Text>{' '}
        <Text color="blue">─ baseline ░ ±noise</Text> <Text color="green">━ best</Text>
        {log.chart.floor === null ? '' : ' ┄ floor'}
      </Text>
    </>
  );
}
