import path from 'node:path';
import { Text } from 'ink';
import type { DashboardView, Tone } from '../view-model.ts';
import { duration, percent } from '../text.ts';

export const TONE_COLOUR: Record<Tone, string> = { live: 'green', paused: 'yellow', stopping: 'yellow', ended: 'gray' };

/** nightshift · session 3 · sandbox · proposer · rule · budget. */
export function Identity({ view }: { view: DashboardView }) {
  const s = view.log?.session;
  const parts = s
    ? [`session ${s.id}`, path.basename(s.sandbox), s.proposer, s.decision_rule, `budget ${s.budget_s} s`, `${s.metric} (${s.goal})`]
    : [view.mode === 'watch' ? 'watch' : 'run'];
  return (
    <Text wrap="truncate-end">
      <Text bold>nightshift</Text>
      <Text color="gray"> · {parts.join(' · ')}</Text>
    </Text>
  );
}

export function Status({ view }: { view: DashboardView }) {
  const elapsed = view.session ? ` · ${duration(view.session.elapsedS)}` : '';
  return (
    <Text wrap="truncate-end" color={TONE_COLOUR[view.status.tone]}>
      {view.status.tone === 'ended' ? '■' : '●'} {view.status.text}
      <Text color="gray">{elapsed}</Text>
    </Text>
  );
}

/** runs 42/50 · kept 3 · reverted 30 · crashed 2 · 40.1 runs/h · training 93%. */
export function Counts({ view }: { view: DashboardView }) {
  const log = view.log!;
  const x = log.report.experiments;
  const max = log.session.max_experiments;
  const rate = view.session?.perHour;
  const share = view.session?.trainingShare;
  return (
    <Text wrap="truncate-end">
      runs <Text bold>{log.finished}{max === null ? '' : `/${max}`}</Text>
      {' · '}kept <Text bold color="green">{x.kept}</Text>
      {' · '}reverted <Text bold>{x.reverted}</Text>
      {' · '}crashed <Text bold color={x.crashed > 0 ? 'red' : undefined}>{x.crashed}</Text>
      <Text color="gray">
        {rate === null || rate === undefined ? '' : ` · ${rate.toFixed(1)} runs/h`}
        {share === null || share === undefined ? '' : ` · training ${percent(share)} of the time`}
      </Text>
    </Text>
  );
}

export function Notice({ text }: { text: string }) {
  return (
    <Text wrap="truncate-end" color="yellow">
      ⚠ {text}
    </Text>
  );
}
