/**
 * The dashboard's one view model. `run` and `watch` both build it from the log's rows (plus the
 * step metrics of the run in flight), so the two screens cannot disagree. Pure: no DB, no clock.
 *
 * It comes in two parts because they change at very different rates: `logView` (rows → counts,
 * report, chart, tables) only when a row changes, `dashboardView` (the run in flight, elapsed
 * times, the agent's state) on every refresh.
 */
import { chartData, type ChartData } from '../../report/chart-data.ts';
import { summarize, type SessionReport } from '../../report/summary.ts';
import { slotsView, storedExecutor } from '../../query/slots.ts';
import { decidedCount, finishedCount } from '../../session/kinds.ts';
import { perRunEstimate } from '../../session/run-pace.ts';
import type { PlanPhase } from '../../proposers/plan-estimate.ts';
import type { Agenda } from '../../store/agendas.ts';
import type { LlmTotals } from '../../store/llm-turns.ts';
import { isFailedRun, type ExperimentRow, type SessionRow } from '../../store/types.ts';
import { printable } from '../../text/printable.ts';
import { agendaLine, planText } from '../plan-text.ts';
import type { LiveSteps } from './live-steps.ts';
import { phaseProgress, type PhaseProgress } from './phase-progress.ts';
import { dashboardSlots, type DashboardSlots } from './dashboard-slots.ts';
import { storedOptions, storedPlan } from './stored-session.ts';
import { trainingTime, type TrainingSource } from '../training-time.ts';

export type { LlmTotals };

export interface RecentRow {
  id: number;
  kind: ExperimentRow['kind'];
  description: string;
  status: ExperimentRow['status'];
  metric: number | null;
  delta: number | null;
  decision: ExperimentRow['decision'];
  reason: string | null;
}

export interface LogView {
  session: SessionRow;
  report: SessionReport;
  chart: ChartData;
  /** Newest first. */
  recent: RecentRow[];
  finished: number;
  /** Changes measured and decided: what --max-experiments counts. */
  decided: number;
  /** The limits the session's row has no column for, from its stored options. */
  maxRuns: number | null;
  deadline: string | null;
  /** Seconds of training over the runs that ended, and whether the scripts' clocks or the runs' wall time said so. */
  trainingS: number;
  trainingSource: TrainingSource | null;
  /** Claude's agenda (its first item) once written, else the plan the session stored as it started, in one line; null in a log from before plans were stored. */
  plan: string | null;
  /** The plan's phases and the session's pace now, for the phase line. */
  phases: PhaseInput | null;
  /** The row whose process runs (or is about to), if any. */
  current: ExperimentRow | null;
  /** The backend the last run reported: a run only names its own in its final line. */
  lastBackend: string | null;
  llm: LlmTotals | null;
  /** The rows the slots are read from, for a session with several runs at once; null for one at a time. */
  slotRows: readonly ExperimentRow[] | null;
}

interface PhaseInput {
  phases: readonly PlanPhase[];
  rows: readonly ExperimentRow[];
  perRunS: number;
}

export function logView(session: SessionRow, rows: readonly ExperimentRow[], llm: LlmTotals | null, agenda: Agenda | null = null): LogView {
  const report = summarize(session, rows);
  const training = trainingTime(rows);
  const lastBackend = rows.findLast((e) => e.backend)?.backend ?? null;
  const options = storedOptions(session);
  const plan = storedPlan(session);
  return {
    session,
    report,
    chart: chartData(report, rows),
    recent: rows
      // Descriptions and reasons quote runs and proposers: nothing of theirs may steer the terminal.
      .map((e) => ({
        id: e.id,
        kind: e.kind,
        description: printable(e.description),
        status: e.status,
        metric: e.metric,
        delta: e.delta,
        decision: e.decision,
        reason: e.reason === null ? null : printable(e.reason),
      }))
      .reverse(),
    finished: finishedCount(rows),
    decided: decidedCount(rows),
    maxRuns: options.maxRuns,
    deadline: options.deadline,
    trainingS: training.seconds,
    trainingSource: training.source,
    // Plans and reasons quote proposers: nothing of theirs may steer the terminal.
    // An LLM's own agenda, once it has written one, says more of what comes next than the plan it started with.
    plan: agenda !== null ? printable(agendaLine(agenda.plan)) : plan === null ? null : printable(planText(plan)),
    phases: plan === null ? null : { phases: plan.phases, rows, perRunS: perRunEstimate(rows, options).seconds },
    // With slots, a run whose process runs is worth the panel more than one still waiting for its turn.
    current: rows.findLast((e) => e.status === 'running') ?? rows.findLast((e) => e.status === 'queued') ?? null,
    lastBackend,
    llm: session.proposer === 'claude' || (llm !== null && llm.turns > 0) ? llm : null,
    slotRows: storedExecutor(session) ? rows : null,
  };
}

/** What drives the agent: `run` knows what its user asked; `watch` only whether the agent lives. */
export type AgentState = { mode: 'run'; paused: boolean; stopping: 'after-run' | 'now' | null; proposing: boolean } | { mode: 'watch'; alive: boolean };

export type Tone = 'live' | 'paused' | 'stopping' | 'ended';

export interface InFlightView {
  id: number;
  kind: ExperimentRow['kind'];
  description: string;
  hypothesis: string | null;
  /** Null while queued (the process has not started). */
  elapsedS: number | null;
  /** The training script's own clock: its latest step line's elapsed_s (null before one). */
  trainedS: number | null;
  budgetS: number;
  /** Share of the budget used, 0..1 (the grace period past it shows as 1). */
  progress: number;
  lossName: string | null;
  loss: readonly number[];
  step: number | null;
  tokensPerS: number | null;
  backend: string | null;
}

export interface DashboardView {
  mode: AgentState['mode'];
  /** Null: the log has no session yet. */
  log: LogView | null;
  status: { tone: Tone; text: string };
  session: {
    elapsedS: number;
    perHour: number | null;
    /** Share of the session's wall time spent training, 0..1 (of its slots' time, when it has several). */
    trainingShare: number | null;
  } | null;
  inFlight: InFlightView | null;
  /** The latest warning from the core (run only: warnings are not in the log). */
  notice: string | null;
  /** The plan the session printed as it started (stored in the log, so watch has it too). */
  plan: string | null;
  /** The phase the live session is in, its runs left and their time; null once it has ended. */
  phase: PhaseProgress | null;
  /** The agent's user paused it: the footer of `run` and the status of `watch` say so. */
  paused: boolean;
  /** Where the runs of a session with several at once are (query/slots.ts); null for one at a time. */
  slots: DashboardSlots | null;
}

export interface LiveInput {
  now: number;
  agent: AgentState;
  steps: LiveSteps | null;
  notice?: string | null;
}

const secondsBetween = (from: string, to: number) => Math.max(0, (to - Date.parse(from)) / 1000);

export function dashboardView(log: LogView | null, { now, agent, steps, notice = null }: LiveInput): DashboardView {
  if (log === null) {
    const text = agent.mode === 'watch' ? 'no session in this log yet: waiting for `nightshift run`' : 'starting';
    return {
      mode: agent.mode,
      log,
      status: { tone: 'ended', text },
      session: null,
      inFlight: null,
      notice,
      plan: null,
      phase: null,
      paused: false,
      slots: null,
    };
  }
  const s = log.session;
  const live = s.status === 'running' && (agent.mode === 'run' || agent.alive);
  // A dead agent's clock stopped at its last heartbeat.
  const end = s.ended_at ? Date.parse(s.ended_at) : live ? now : Date.parse(s.heartbeat_at ?? s.started_at);
  const elapsedS = Math.max(0, (end - Date.parse(s.started_at)) / 1000);
  const inFlight = live && log.current ? inFlightView(log, steps, now) : null;
  // The run in flight trains for what its latest step line says, or (wall time) since it started.
  const liveTraining = log.trainingSource === 'wall' ? inFlight?.elapsedS : inFlight?.trainedS;
  const trainingS = log.trainingS + (liveTraining ?? 0);
  const paused = live && (agent.mode === 'run' ? agent.paused : s.paused_at !== null);
  const slots = log.slotRows && dashboardSlots(slotsView(s, log.slotRows, end), live, now);
  const slotTimeS = elapsedS * (slots?.count ?? 1);
  return {
    mode: agent.mode,
    log,
    status: status(log, agent, live),
    session: {
      elapsedS,
      perHour: elapsedS > 0 ? log.finished / (elapsedS / 3600) : null,
      trainingShare: slotTimeS > 0 ? Math.min(1, trainingS / slotTimeS) : null,
    },
    inFlight,
    notice,
    plan: log.plan,
    phase: live && log.phases ? phaseProgress(log.phases.phases, log.phases.rows, log.phases.perRunS, inFlight?.elapsedS ?? null) : null,
    paused,
    slots,
  };
}

function inFlightView(log: LogView, steps: LiveSteps | null, now: number): InFlightView {
  const e = log.current!;
  const budgetS = log.session.budget_s;
  const elapsedS = e.started_at ? secondsBetween(e.started_at, now) : null;
  const mine = steps?.experimentId === e.id ? steps : null;
  return {
    id: e.id,
    kind: e.kind,
    description: printable(e.description),
    hypothesis: e.hypothesis === null ? null : printable(e.hypothesis),
    elapsedS,
    trainedS: mine?.elapsedS ?? null,
    budgetS,
    progress: elapsedS === null ? 0 : Math.min(1, elapsedS / budgetS),
    lossName: mine?.lossName ?? null,
    loss: mine?.loss ?? [],
    step: mine?.step ?? null,
    tokensPerS: mine?.tokensPerS ?? null,
    backend: e.backend ?? log.lastBackend,
  };
}

function status(log: LogView, agent: AgentState, live: boolean): DashboardView['status'] {
  const s = log.session;
  if (!live) {
    const ending = s.status === 'running' ? `its agent (pid ${s.agent_pid ?? '?'}) is gone; 'nightshift run' resumes it` : `${s.status}: ${s.end_reason ?? ''}`;
    const prefix = agent.mode === 'watch' ? 'no running session — showing the last state of ' : '';
    return { tone: 'ended', text: `${prefix}session ${s.id}, ${ending}` };
  }
  if (agent.mode === 'watch') {
    const watching = `watching session ${s.id} (agent pid ${s.agent_pid})`;
    if (s.paused_at === null) return { tone: 'live', text: watching };
    // Short enough for 80 columns: the agent's own screen says how to resume.
    const pause = log.current ? 'pausing after the run in flight' : 'paused, nothing new starts';
    return { tone: 'paused', text: `${watching}: ${pause}` };
  }
  if (agent.stopping === 'now') return { tone: 'stopping', text: 'stopping now: the run in flight is interrupted' };
  if (agent.stopping === 'after-run') return { tone: 'stopping', text: 'stopping after the run in flight (Q: stop it now)' };
  if (agent.paused) {
    const text = log.current ? 'pausing after the run in flight (p: resume)' : 'paused: nothing new starts (p: resume)';
    return { tone: 'paused', text };
  }
  if (!log.current && agent.proposing) return { tone: 'live', text: `the ${s.proposer} is proposing the next experiment` };
  return { tone: 'live', text: `session ${s.id} running` };
}

export const isFailed = (status: ExperimentRow['status']): boolean => isFailedRun(status);
