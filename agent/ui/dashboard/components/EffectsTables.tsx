import { Text } from 'ink';
import { signed } from '../../../format/numbers.ts';
import type { SessionReport } from '../../../report/summary.ts';
import { fit } from '../text.ts';

const interval = (lo: number | null, hi: number | null) => (lo === null || hi === null ? 'no interval yet' : `[${signed(lo)}, ${signed(hi)}]`);

/** Ablation effects (ablated − baseline, simultaneous 95% intervals); significant ones stand out. The heading ends with the design that measured them. */
export function EffectsTable({ effects, height, design }: { effects: SessionReport['effects']; height: number; design: string }) {
  return (
    <>
      <Text wrap="truncate-end" color="gray">
        {'  '}
        {fit('effect of ablating', 32)}
        {'Δ ablated'.padStart(10)} {fit('95% interval', 22)} n {`  ${design}`}
      </Text>
      {effects.slice(0, height - 1).map((x) => (
        <Text key={`${x.experiment}`} wrap="truncate-end" bold={x.significant}>
          {x.significant ? '* ' : '  '}
          {fit(`${x.component}: ${x.change}`, 32)}
          {signed(x.delta).padStart(10)}
          {'  '}
          {fit(interval(x.ci_low, x.ci_high), 22)} {x.n}
        </Text>
      ))}
    </>
  );
}

/** Δ(a and b) − Δ(a) − Δ(b): zero when two ablations simply add up. */
export function InteractionsTable({ interactions, height, design }: { interactions: SessionReport['interactions']; height: number; design: string }) {
  return (
    <>
      <Text wrap="truncate-end" color="gray">
        {'  '}
        {fit('interaction', 32)}
        {'Δab−Δa−Δb'.padStart(10)} {fit('95% interval', 22)} n {`  ${design}`}
      </Text>
      {interactions.slice(0, height - 1).map((x) => (
        <Text key={`${x.experiment}`} wrap="truncate-end" bold={x.significant}>
          {x.significant ? '* ' : '  '}
          {fit(`${x.a} × ${x.b}`, 32)}
          {signed(x.interaction).padStart(10)}
          {'  '}
          {fit(interval(x.ci_low, x.ci_high), 22)} {x.n}
        </Text>
      ))}
    </>
  );
}
