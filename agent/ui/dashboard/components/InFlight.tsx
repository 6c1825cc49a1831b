import { Text } from 'ink';
import { sparkline } from '../../../query/sparkline.ts';
import { num } from '../../format.ts';
import { bar, compact, duration } from '../text.ts';
import type { InFlightView } from '../view-model.ts';

/** ▶ #43 ablation · description, then budget bar · loss sparkline · tokens/s · backend; the hypothesis when there is room. */
export function InFlight({ run, width, hypothesis }: { run: InFlightView; width: number; hypothesis: boolean }) {
  const barWidth = Math.max(6, Math.min(24, Math.floor(width / 5)));
  const elapsed = run.elapsedS === null ? 'queued' : `${duration(run.elapsedS)}/${duration(run.budgetS)}`;
  const lastLoss = run.loss.at(-1);
  const spark = run.loss.length > 0 ? sparkline(run.loss, Math.max(8, Math.min(32, Math.floor(width / 4)))) : '';
  return (
    <>
      <Text wrap="truncate-end">
        <Text color="cyan">▶ #{run.id} {run.kind}</Text> {run.description}
      </Text>
      <Text wrap="truncate-end">
        {'  '}
        <Text color={run.progress >= 1 ? 'yellow' : 'cyan'}>{bar(run.progress, barWidth)}</Text> {elapsed}
        {run.step === null ? '' : ` · step ${run.step}`}
        {lastLoss === undefined ? '' : ` · ${run.lossName} `}
        <Text color="magenta">{spark}</Text>
        {lastLoss === undefined ? '' : ` ${num(lastLoss)}`}
        {run.tokensPerS === null ? '' : ` · ${compact(run.tokensPerS)} tok/s`}
        <Text color="gray">{run.backend ? ` · ${run.backend}` : ''}</Text>
      </Text>
      {hypothesis && run.hypothesis ? (
        <Text wrap="truncate-end" color="gray">
          {'  '}why: {run.hypothesis}
        </Text>
      ) : null}
    </>
  );
}
