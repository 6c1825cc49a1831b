import { Text } from 'ink';
import { sparkline } from '../../../query/sparkline.ts';
import { num } from '../../../format/numbers.ts';
import { bar, compact, duration } from '../text.ts';
import type { InFlightView } from '../view-model.ts';
import { Line } from './Line.tsx';

/** ▶ #43 ablation · description; then the budget bar · step · loss sparkline · tokens/s · backend; the hypothesis when there is room. */
export function InFlight({ run, width, hypothesis }: { run: InFlightView; width: number; hypothesis: boolean }) {
  const barWidth = Math.max(6, Math.min(24, Math.floor(width / 5)));
  const lastLoss = run.loss.at(-1);
  const spark = run.loss.length > 0 ? sparkline(run.loss, Math.max(8, Math.min(32, Math.floor(width / 4)))) : '';
  return (
    <>
      <Line
        width={width}
        pieces={[
          { key: 'id', text: `▶ #${run.id} ${run.kind} `, colour: 'cyan' },
          { key: 'description', text: run.description, flex: true },
        ]}
      />
      <Line
        width={width}
        pieces={[
          { key: 'bar', text: `  ${bar(run.progress, barWidth)} `, colour: run.progress >= 1 ? 'yellow' : 'cyan' },
          { key: 'elapsed', text: run.elapsedS === null ? 'queued' : duration(run.elapsedS) },
          { key: 'budget', text: `/${duration(run.budgetS)}` },
          { key: 'step', text: run.step === null ? '' : ` · step ${run.step}` },
          { key: 'loss', text: lastLoss === undefined ? '' : ` · ${run.lossName} ` },
          { key: 'spark', text: spark, colour: 'magenta' },
          { key: 'last', text: lastLoss === undefined ? '' : ` ${num(lastLoss)}` },
          { key: 'speed', text: run.tokensPerS === null ? '' : ` · ${compact(run.tokensPerS)} tok/s` },
          { key: 'backend', text: run.backend ? ` · ${run.backend}` : '', colour: 'gray' },
        ]}
      />
      {hypothesis && run.hypothesis ? (
        <Text wrap="truncate-end" color="gray">
          {'  '}why: {run.hypothesis}
        </Text>
      ) : null}
    </>
  );
}
