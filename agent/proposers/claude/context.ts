import { effectFamilies, type EffectFamily } from '../../analysis/session-effects.ts';
import { sealLevel, type SandboxConfig } from '../../config/load.ts';
import type { KeepBar } from '../../decide/types.ts';
import { num, signed } from '../../format/numbers.ts';
import { headMeasurements } from '../../session/baseline.ts';
import { calibration, calibrationText, predictions } from '../../session/calibration.ts';
import { isCandidate, isDecided, isHeadRun } from '../../session/kinds.ts';
import { mean } from '../../stats/descriptive.ts';
import type { StepSeries } from '../../store/metric-reads.ts';
import { isFailedRun, type ExperimentRow } from '../../store/types.ts';
import { capSections, type Section } from './context/cap.ts';
import { failureTail, latestFailures } from './context/failures.ts';
import { curveLine, factsLine, lossSeries } from './context/facts.ts';
import { untrusted } from './context/fence.ts';
import { noiseLines } from './context/noise.ts';
import { sealLine } from './context/seal.ts';
import { sessionLine, type SessionLimits } from './context/session.ts';

/** What the rows do not hold, read by the proposer (proposers/claude/evidence.ts); a part left out is not shown. */
export interface Evidence {
  /** Step metrics of the runs curveIds names, by experiment id. */
  curves: ReadonlyMap<number, readonly StepSeries[]>;
  /** Log lines of the runs latestFailures names, by experiment id. */
  tails: ReadonlyMap<number, readonly string[]>;
  /** The keep rule's bar for a change proposed now (session/keep-bar.ts), and the rule's name. */
  keepBar: KeepBar | null;
  rule: string;
  limits: SessionLimits;
  /** Now, in ms: for the time left. */
  now: number;
}

export interface StateInput {
  rows: readonly ExperimentRow[];
  /** The last kept commit: the code the proposal starts from. */
  head: string;
  sandbox: SandboxConfig;
  budgetS: number;
  evidence?: Partial<Evidence>;
  /** The summary's size cap, in estimated tokens. */
  maxTokens?: number;
}

/** Candidates shown in full (hypothesis, verdict, facts, curve); earlier ones get a line each while the cap allows. */
const RECENT = 12;
/**
 * What the log summary may take of a proposal's uncached input. The system prompt, the tools and
 * the editable files are a cached prefix; this part changes with every result, so it is paid in
 * full on each proposal (bench/claude-context-tokens.ts measures it).
 */
export const SUMMARY_TOKENS = 8000;
const clip = (text: string | null, n = 240) => (text && text.length > n ? `${text.slice(0, n)}…` : (text ?? ''));
const short = (sha: string) => sha.slice(0, 8);

/** The runs whose step metrics the summary draws: the head's latest baseline run and the recent candidates. */
export function curveIds(rows: readonly ExperimentRow[], head: string): number[] {
  const base = rows.findLast((e) => isHeadRun(e) && e.base_commit === head && e.status === 'done');
  return [...(base ? [base.id] : []), ...recent(rows).map((e) => e.id)];
}

/**
 * What the log says so far, as Markdown for the model: rebuilt from the rows for every proposal
 * and capped by tokens, newest and most informative first, so the context stays the same size
 * however long the night, and a resumed session sees it all.
 */
export function describeState(input: StateInput): string {
  const { rows, head, sandbox } = input;
  const ev = input.evidence ?? {};
  const metric = sandbox.metric;
  const candidates = rows.filter(isCandidate);
  const decided = candidates.filter((e) => isDecided(e) || e.status === 'rejected');
  const shown = recent(rows);
  const tailed = ev.tails ? latestFailures(rows) : [];
  const families = effectFamilies(rows);
  const run = (e: ExperimentRow) => runLines(e, ev.curves?.get(e.id), metric);
  const sections: Section[] = [
    {
      heading: '# The experiment log so far',
      entries: [
        `Metric: ${metric} (${sandbox.goal === 'minimize' ? 'lower' : 'higher'} is better). Each run trains for ${input.budgetS} s.`,
        `Editable: ${sandbox.editable.join(', ')}. Read-only: ${[...sandbox.readonly, 'nightshift.json'].join(', ')}.`,
        `A delta is candidate minus baseline, in the metric's units: ${sandbox.goal === 'minimize' ? 'negative' : 'positive'} is an improvement.`,
        sealLine(sealLevel(sandbox)),
      ],
      required: true,
    },
    { heading: '## Where the session stands', entries: standing(input, ev), required: true },
    { heading: `## Baseline: the code as it stands (commit ${short(head)})`, entries: baseline(rows, head, run), required: true },
    // Only a proposal made while a run is in flight sees one of these.
    {
      heading: '## Running now or being confirmed, result not yet known (do not propose the same)',
      entries: candidates.filter((e) => e.decision === 'pending').map(pendingLine),
    },
    {
      heading: '## Kept changes (in the code now), newest first',
      entries: candidates
        .filter((e) => e.decision === 'keep')
        .reverse()
        .map(line),
    },
    ...families.filter((f) => f.baseCommit === head).flatMap((f) => effects(f, head)),
    { heading: '## Recent experiments, newest first', entries: [...shown].reverse().map((e) => [long(e), ...run(e)].join('\n')) },
    { heading: '## The latest failed runs, with the end of their logs', entries: tailed.map((e) => failureTail(e, ev.tails?.get(e.id) ?? [])) },
    ...families.filter((f) => f.baseCommit !== head).flatMap((f) => effects(f, head)),
    { heading: '## Earlier experiments, one line each, newest first (do not repeat them)', entries: decided.slice(0, -RECENT).reverse().map(line) },
    {
      heading: '## Other failed attempts to avoid (crashed, diverged, timed out, invalid or rejected), newest first',
      entries: candidates
        .filter((e) => (isFailedRun(e.status) || e.status === 'rejected') && !shown.includes(e) && !tailed.includes(e))
        .reverse()
        .map(line),
    },
  ];
  return capSections(sections, input.maxTokens ?? SUMMARY_TOKENS);
}

/** The candidates shown in full: the latest decided or rejected ones, oldest first. */
function recent(rows: readonly ExperimentRow[]): ExperimentRow[] {
  return rows.filter((e) => isCandidate(e) && (isDecided(e) || e.status === 'rejected')).slice(-RECENT);
}

function standing(input: StateInput, ev: Partial<Evidence>): string[] {
  const { sandbox, rows } = input;
  const lines = [
    ...(ev.limits && ev.now !== undefined ? [sessionLine(rows, ev.limits, ev.now)] : []),
    ...(ev.rule === undefined ? [] : noiseLines(ev.keepBar ?? null, ev.rule, sandbox.goal, sandbox.metric)),
  ];
  const own = predictions(rows);
  if (own.length > 0) lines.push(`Your predicted deltas against the verdicts': ${calibrationText(calibration(own, sandbox.goal), num)}.`);
  return lines;
}

function baseline(rows: readonly ExperimentRow[], head: string, run: (e: ExperimentRow) => string[]): string[] {
  const values = headMeasurements(rows, head).map((m) => m.value);
  if (values.length === 0) return ['Not measured yet.'];
  const lines = [`Mean ${num(mean(values))} over ${values.length} ${values.length === 1 ? 'run' : 'runs'}.`];
  const original = rows.find((e) => e.kind === 'baseline')?.base_commit;
  if (original && original !== head) {
    const first = headMeasurements(rows, original).map((m) => m.value);
    if (first.length > 0) lines.push(`The original code measured ${num(mean(first))}; kept changes moved it by ${signed(mean(values) - mean(first))}.`);
  }
  const latest = rows.findLast((e) => isHeadRun(e) && e.base_commit === head && e.status === 'done');
  if (latest) lines.push(...run(latest).map((l) => `Its latest run (#${latest.id}):${l.slice(1)}`));
  return lines;
}

/** A run's facts and loss curve, indented under its line; nothing it did not report. */
function runLines(e: ExperimentRow, series: readonly StepSeries[] | undefined, metric: string): string[] {
  const facts = factsLine(e, metric);
  const curve = series && lossSeries(series, metric);
  return [...(facts ? [`  facts: ${facts}`] : []), ...(curve ? [`  ${curveLine(curve)}`] : [])];
}

function effects(family: EffectFamily, head: string): Section[] {
  const where = family.baseCommit === head ? 'on the current code' : `on earlier commit ${short(family.baseCommit)}`;
  const ci = (low: number | null, high: number | null) => (low === null || high === null ? 'n/a' : `[${num(low)}, ${num(high)}]`);
  const { effects: rows, interactions } = family.result;
  return [
    {
      heading: [
        `## Ablation effects, measured ${where} (${family.label})`,
        '| component | change | delta | interval | runs | significant |',
        '|---|---|---|---|---|---|',
      ].join('\n'),
      entries: rows.map((r) => `| ${r.component} | ${r.change} | ${signed(r.delta)} | ${ci(r.ciLow, r.ciHigh)} | ${r.n} | ${r.significant ? 'yes' : 'no'} |`),
    },
    {
      heading: [`Interactions ${where}: Δ(both) − Δ(a) − Δ(b)`, '| a | b | interaction | interval | runs | significant |', '|---|---|---|---|---|---|'].join(
        '\n',
      ),
      entries: interactions.map((r) => `| ${r.a} | ${r.b} | ${signed(r.interaction)} | ${ci(r.ciLow, r.ciHigh)} | ${r.n} | ${r.significant ? 'yes' : 'no'} |`),
    },
  ];
}

function outcome(e: ExperimentRow): string {
  if (e.status === 'rejected') return `rejected: ${clip(e.reason)}`;
  if (e.status !== 'done') return `${e.status}: ${untrusted(clip(e.reason))}`;
  const predicted = e.predicted_delta == null ? '' : ` (predicted ${signed(e.predicted_delta)})`;
  return `${e.decision === 'keep' ? 'kept' : 'reverted'}, delta ${signed(e.delta)}${predicted}`;
}

const pendingLine = (e: ExperimentRow): string =>
  `- #${e.id} ${e.kind}: ${clip(e.description, 160)}${e.hypothesis ? ` (hypothesis: ${clip(e.hypothesis)})` : ''}`;

const line = (e: ExperimentRow): string => `- #${e.id} ${e.kind}: ${clip(e.description, 160)} → ${outcome(e)}`;

function long(e: ExperimentRow): string {
  const why = e.status === 'done' && e.reason ? `\n  decision: ${clip(e.reason)}` : '';
  return `${line(e)}${e.hypothesis ? `\n  hypothesis: ${clip(e.hypothesis)}` : ''}${why}`;
}
