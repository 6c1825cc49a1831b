import { effectFamilies, type EffectFamily } from '../../analysis/session-effects.ts';
import { headMeasurements } from '../../session/baseline.ts';
import { isCandidate, isDecided } from '../../session/kinds.ts';
import { sealLevel, type SandboxConfig, type SealLevel } from '../../config/load.ts';
import { mean, sd } from '../../stats/descriptive.ts';
import { isFailedRun, type ExperimentRow } from '../../store/types.ts';
import { printable } from '../../text/printable.ts';
import { num, signed } from '../../format/numbers.ts';

export interface StateInput {
  rows: readonly ExperimentRow[];
  /** The last kept commit: the code the proposal starts from. */
  head: string;
  sandbox: SandboxConfig;
  budgetS: number;
}

const RECENT = 12;
const EARLIER = 60;
const FAILED = 20;
const clip = (text: string | null, n = 240) => (text && text.length > n ? `${text.slice(0, n)}…` : (text ?? ''));
const short = (sha: string) => sha.slice(0, 8);

const SEALS: Record<SealLevel, string> = {
  sealed:
    'Measurement: sealed. The metric comes from a read-only evaluation that reaches your model only through its predictor; a run that breaks a rule of the measurement (see the rules) is marked invalid.',
  separate: 'Measurement: separate. A read-only evaluation loads your trained model and computes the metric; the training script does not report it.',
  'self-reported': 'Measurement: self-reported. The training script prints the metric itself: keep its evaluation code exactly as it is.',
};

/**
 * Text that came out of a run (a crash reason quoting its output, a log tail): fenced, stripped of
 * control characters, and unable to close its own fence. The rules tell the model it is data.
 */
export function untrusted(text: string): string {
  return `<run-output>${printable(text).replaceAll('<run-output>', '<run_output>').replaceAll('</run-output>', '</run_output>')}</run-output>`;
}

/**
 * What the log says so far, as Markdown for the model: rebuilt from the rows for every proposal,
 * so the context stays the same size however long the night, and a resumed session sees it all.
 */
export function describeState(input: StateInput): string {
  const { rows, head, sandbox } = input;
  const better = sandbox.goal === 'minimize' ? 'lower' : 'higher';
  const candidates = rows.filter(isCandidate);
  const decided = candidates.filter((e) => isDecided(e) || e.status === 'rejected');
  const recent = decided.slice(-RECENT);
  const sections = [
    [
      '# The experiment log so far',
      `Metric: ${sandbox.metric} (${better} is better). Each run trains for ${input.budgetS} s.`,
      `Editable: ${sandbox.editable.join(', ')}. Read-only: ${[...sandbox.readonly, 'nightshift.json'].join(', ')}.`,
      `A delta is candidate minus baseline, in the metric's units: ${sandbox.goal === 'minimize' ? 'negative' : 'positive'} is an improvement.`,
      SEALS[sealLevel(sandbox)],
    ].join('\n'),
    baseline(rows, head),
    kept(candidates),
    ...effects(effectFamilies(rows), head),
    section(`Recent experiments (oldest first)`, recent.map(long)),
    section('Earlier experiments, one line each (do not repeat them)', decided.slice(0, -RECENT).slice(-EARLIER).map(line)),
    section(
      'Failed attempts to avoid (crashed, diverged, timed out, invalid or rejected)',
      candidates
        .filter((e) => isFailedRun(e.status) || e.status === 'rejected')
        .slice(-FAILED)
        .map(line),
    ),
    // Only a proposal made while a run is in flight sees one of these.
    section(
      'Running now or being confirmed, result not yet known (do not propose the same)',
      candidates.filter((e) => e.decision === 'pending').map(pendingLine),
    ),
  ];
  return sections.filter((s) => s !== '').join('\n\n');
}

function section(title: string, lines: string[]): string {
  return lines.length === 0 ? '' : [`## ${title}`, ...lines].join('\n');
}

function baseline(rows: readonly ExperimentRow[], head: string): string {
  const values = headMeasurements(rows, head).map((m) => m.value);
  if (values.length === 0) return `## Baseline (commit ${short(head)})\nNot measured yet.`;
  const noise = values.length > 1 ? `, sd ${num(sd(values))} (the noise between seeds)` : '';
  const lines = [`## Baseline: the code as it stands (commit ${short(head)})`, `Mean ${num(mean(values))} over ${values.length} runs${noise}.`];
  const original = rows.find((e) => e.kind === 'baseline')?.base_commit;
  if (original && original !== head) {
    const first = headMeasurements(rows, original).map((m) => m.value);
    if (first.length > 0) lines.push(`The original code measured ${num(mean(first))}; kept changes moved it by ${signed(mean(values) - mean(first))}.`);
  }
  return lines.join('\n');
}

function kept(candidates: readonly ExperimentRow[]): string {
  return section('Kept changes (in the code now)', candidates.filter((e) => e.decision === 'keep').map(line));
}

function effects(families: EffectFamily[], head: string): string[] {
  return families.map((family) => {
    const where = family.baseCommit === head ? 'on the current code' : `on earlier commit ${short(family.baseCommit)}`;
    const ci = (low: number | null, high: number | null) => (low === null || high === null ? 'n/a' : `[${num(low)}, ${num(high)}]`);
    const table = [
      `## Ablation effects, measured ${where} (${family.label})`,
      '| component | change | delta | interval | runs | significant |',
      '|---|---|---|---|---|---|',
      ...family.result.effects.map(
        (r) => `| ${r.component} | ${r.change} | ${signed(r.delta)} | ${ci(r.ciLow, r.ciHigh)} | ${r.n} | ${r.significant ? 'yes' : 'no'} |`,
      ),
    ];
    if (family.result.interactions.length > 0) {
      table.push(
        '',
        'Interactions: Δ(both) − Δ(a) − Δ(b)',
        '| a | b | interaction | interval | runs | significant |',
        '|---|---|---|---|---|---|',
        ...family.result.interactions.map(
          (r) => `| ${r.a} | ${r.b} | ${signed(r.interaction)} | ${ci(r.ciLow, r.ciHigh)} | ${r.n} | ${r.significant ? 'yes' : 'no'} |`,
        ),
      );
    }
    return table.join('\n');
  });
}

function outcome(e: ExperimentRow): string {
  if (e.status === 'rejected') return `rejected: ${clip(e.reason)}`;
  if (e.status !== 'done') return `${e.status}: ${untrusted(clip(e.reason))}`;
  if (e.decision === 'keep') return `kept, delta ${signed(e.delta)}`;
  return `reverted, delta ${signed(e.delta)}`;
}

const pendingLine = (e: ExperimentRow): string =>
  `- #${e.id} ${e.kind}: ${clip(e.description, 160)}${e.hypothesis ? ` (hypothesis: ${clip(e.hypothesis)})` : ''}`;

const line = (e: ExperimentRow): string => `- #${e.id} ${e.kind}: ${clip(e.description, 160)} → ${outcome(e)}`;

function long(e: ExperimentRow): string {
  const why = e.status === 'done' && e.reason ? `\n  decision: ${clip(e.reason)}` : '';
  return `${line(e)}${e.hypothesis ? `\n  hypothesis: ${clip(e.hypothesis)}` : ''}${why}`;
}
