import { Box } from 'ink';
import { layout } from '../layout.ts';
import type { DashboardView } from '../view-model.ts';
import { Chart } from './Chart.tsx';
import { EffectsTable, InteractionsTable } from './EffectsTables.tsx';
import { Counts, Identity, Notice, Phase, Plan, Status } from './Header.tsx';
import { InFlight } from './InFlight.tsx';
import { KeysBar } from './KeysBar.tsx';
import { LlmLine } from './LlmLine.tsx';
import { MetricLine } from './MetricLine.tsx';
import { RecentTable } from './RecentTable.tsx';
import { Slots } from './Slots.tsx';

export interface DashboardProps {
  view: DashboardView;
  width: number;
  height: number;
  /** The experiment the arrows point at, if any. */
  selected: number | null;
  /** False for a frame printed once (a pipe), where keys mean nothing. */
  keys?: boolean;
}

/** The whole screen for one view and one terminal size: a pure function of its props. */
export function Dashboard({ view, width, height, selected, keys = true }: DashboardProps) {
  const log = view.log;
  const report = log?.report;
  const lines = layout({
    height,
    notice: view.notice !== null,
    plan: view.plan !== null,
    phase: view.phase !== null,
    inFlight: view.inFlight !== null,
    hypothesis: view.inFlight?.hypothesis != null,
    slotRuns: view.slots?.in_flight.length,
    metric: log !== null,
    llm: log?.llm != null,
    chart: (log?.chart.points.length ?? 0) > 0,
    recentRows: log?.recent.length ?? 0,
    effectRows: report?.effects.length ?? 0,
    interactionRows: report?.interactions.length ?? 0,
  });
  return (
    <Box flexDirection="column" width={width}>
      {lines.identity > 0 && <Identity view={view} />}
      {lines.status > 0 && <Status view={view} width={width} />}
      {lines.counts > 0 && <Counts view={view} width={width} />}
      {lines.plan > 0 && view.plan && <Plan text={view.plan} />}
      {lines.phase > 0 && view.phase && <Phase phase={view.phase} width={width} />}
      {lines.notice > 0 && view.notice && <Notice text={view.notice} />}
      {lines.inFlight > 0 && view.inFlight && <InFlight run={view.inFlight} width={width} hypothesis={lines.hypothesis > 0} />}
      {lines.slots > 0 && view.slots && <Slots slots={view.slots} width={width} height={lines.slots} />}
      {lines.metric > 0 && log && <MetricLine log={log} />}
      {lines.llm > 0 && log?.llm && <LlmLine llm={log.llm} proposer={log.session.proposer} runs={log.finished} />}
      {lines.chart > 0 && log && <Chart log={log} width={width} height={lines.chart} />}
      {lines.recent > 0 && log && <RecentTable rows={log.recent} height={lines.recent} width={width} selected={selected} />}
      {lines.effects > 0 && report && <EffectsTable effects={report.effects} height={lines.effects} design={report.design_label} />}
      {lines.interactions > 0 && report && <InteractionsTable interactions={report.interactions} height={lines.interactions} design={report.design_label} />}
      {/* A run's last frame stays on the screen after the session: its keys no longer apply. */}
      {keys && lines.keys > 0 && (view.mode === 'watch' || view.status.tone !== 'ended') && (
        <KeysBar mode={view.mode === 'run' && view.paused ? 'paused' : view.mode} />
      )}
    </Box>
  );
}
