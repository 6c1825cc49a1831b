import path from 'node:path';
import { Text } from 'ink';
import type { DashboardView, Tone } from '../view-model.ts';
import { clockTime, span } from '../../../format/time.ts';
import type { PhaseProgress } from '../phase-progress.ts';
import { duration, percent } from '../text.ts';
import { trainingLabel } from '../../training-time.ts';
import { Line } from './Line.tsx';

export const TONE_COLOUR: Record<Tone, string> = { live: 'green', paused: 'yellow', stopping: 'yellow', ended: 'gray' };

/** nightshift · session 3 · sandbox · proposer · rule · budget. */
export function Identity({ view }: { view: DashboardView }) {
  const s = view.log?.session;
  const parts = s
    ? [`session ${s.id}`, path.basename(s.sandbox), s.proposer, s.decision_rule, `budget ${s.budget_s} s`, `${s.metric} (${s.goal}, ${s.seal})`]
    : [view.mode === 'watch' ? 'watch' : 'run'];
  return (
    <Text wrap="truncate-end">
      <Text bold>nightshift</Text>
      <Text color="gray"> · {parts.join(' · ')}</Text>
    </Text>
  );
}

export function Status({ view, width }: { view: DashboardView; width: number }) {
  const colour = TONE_COLOUR[view.status.tone];
  return (
    <Line
      width={width}
      pieces={[
        { key: 'status', text: `${view.status.tone === 'ended' ? '■' : '●'} ${view.status.text}`, colour, flex: true },
        { key: 'elapsed', text: view.session ? ` · ${duration(view.session.elapsedS)}` : '', colour: 'gray' },
      ]}
    />
  );
}

/** runs 42/60 · decided 12/20 · kept 3 · reverted 9 · crashed 2 · ends by 07:00 · 40.1 runs/h · training 93% of the time. */
export function Counts({ view, width }: { view: DashboardView; width: number }) {
  const log = view.log!;
  const x = log.report.experiments;
  const max = log.session.max_experiments;
  const rate = view.session?.perHour;
  const share = view.session?.trainingShare;
  return (
    <Line
      width={width}
      pieces={[
        { key: 'runs', text: `runs ${log.finished}${log.maxRuns === null ? '' : `/${log.maxRuns}`}`, bold: true },
        // --max-experiments counts decided changes, so that is what its limit is shown against.
        { key: 'decided', text: max === null ? '' : ` · decided ${log.decided}/${max}` },
        { key: 'kept', text: ` · kept ${x.kept}`, colour: x.kept > 0 ? 'green' : undefined },
        { key: 'reverted', text: ` · reverted ${x.reverted}` },
        { key: 'crashed', text: ` · crashed ${x.crashed}`, colour: x.crashed > 0 ? 'red' : undefined },
        { key: 'deadline', text: log.deadline === null ? '' : ` · ends by ${clockTime(log.deadline)}` },
        { key: 'rate', text: rate === null || rate === undefined ? '' : ` · ${Number(rate.toPrecision(3))} runs/h`, colour: 'gray' },
        { key: 'share', text: share === null || share === undefined ? '' : ` · ${trainingLabel(percent(share), log.trainingSource)}`, colour: 'gray' },
      ]}
    />
  );
}

/** The plan the session printed as it started: its phases, their time, the limits. */
export function Plan({ text }: { text: string }) {
  return (
    <Text wrap="truncate-end" color="gray">
      {text}
    </Text>
  );
}

/**
 * now: baseline 2/5 runs · candidates start in about 18 min; now: ablations (2 of 4) 7/18 runs,
 * 11 left · about 1 h 10 min to its end; now: knobs (4 of 4) 12 runs so far, open-ended.
 */
export function Phase({ phase, width }: { phase: PhaseProgress; width: number }) {
  const of =
    phase.runs === null
      ? `${phase.done} ${phase.done === 1 ? 'run' : 'runs'} so far, open-ended`
      : `${phase.done}/${phase.atMost ? '≤ ' : ''}${phase.runs} runs`;
  const when =
    phase.candidatesInS !== null
      ? ` · candidates start in about ${span(phase.candidatesInS)}`
      : phase.leftS === null
        ? ''
        : ` · ${phase.left} left, about ${span(phase.leftS)} to its end`;
  return (
    <Line
      width={width}
      pieces={[
        { key: 'name', text: `now: ${phase.name}`, bold: true },
        { key: 'index', text: phase.phases > 1 ? ` (${phase.index} of ${phase.phases})` : '', colour: 'gray' },
        { key: 'runs', text: ` ${of}` },
        { key: 'when', text: when, colour: 'cyan', flex: true },
      ]}
    />
  );
}

export function Notice({ text }: { text: string }) {
  return (
    <Text wrap="truncate-end" color="yellow">
      ⚠ {text}
    </Text>
  );
}
