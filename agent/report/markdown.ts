import { calibrationText } from '../session/calibration.ts';
import { sessionNoiseText } from './session-noise.ts';
import { num, signed } from '../format/numbers.ts';
import { DELTA_AT_DECISION, DELTA_REMEASURED } from '../session/kept-deltas.ts';
import { learnedMarkdown } from './learned-markdown.ts';
import { interval, table } from './md.ts';
import { slotsText } from './slots-text.ts';
import type { SessionReport } from './summary.ts';
import { printable } from '../text/printable.ts';

export interface ChartLinks {
  /** Paths as the Markdown should link them (relative to the report). */
  svg: string;
  png: string | null;
}

const yes = (b: boolean) => (b ? '**yes**' : 'no');

/** The session report as Markdown: the same numbers as the JSON, for a person. */
export function reportMarkdown(r: SessionReport, chart: ChartLinks | null): string {
  const out: string[] = [];
  const direction = r.goal === 'minimize' ? 'lower is better' : 'higher is better';
  out.push(`# nightshift session ${r.session}`, '');
  out.push(
    `**${r.metric}** (${direction}, ${r.seal}) · sandbox \`${r.sandbox}\` · proposer ${r.proposer} · rule ${r.decision_rule} · ` +
      `${r.status}${r.end_reason ? ` (${r.end_reason})` : ''} · ${r.started_at} → ${r.ended_at ?? 'still running'}`,
    '',
  );
  out.push(...learnedMarkdown(r));
  if (chart)
    out.push(
      `![progress: ${r.metric} of every run, kept changes in green, running best as a step line](${chart.png ?? chart.svg})`,
      '',
      `Chart: [SVG](${chart.svg})${chart.png ? ` · [PNG](${chart.png})` : ''}`,
      '',
    );

  const e = r.experiments;
  const best =
    r.best.experiment === null
      ? `${num(r.best.mean)} (the start: no kept change beat it)`
      : `${num(r.best.mean)} (#${r.best.experiment}, ${signed(r.best.delta)} vs the start)`;
  const fk = r.expected_false_keeps;
  out.push('## Summary', '');
  out.push(
    table(
      ['', ''],
      [
        ['baseline', currentText(r.baseline)],
        ['start', `${measuredText(r.start)}, the first baseline`],
        ['best', best],
        [
          'runs',
          `${e.total} total · ${e.changes} changes tried · ${e.kept} kept · ${e.reverted} reverted · ${e.crashed} crashed/timed out/diverged · ${e.rejected} rejected · ${e.interrupted} interrupted`,
        ],
        ['noise', sessionNoiseText(r.noise, num)],
        ['expected false keeps', fk.value === null ? fk.note : `${num(fk.value, 3)} (${fk.rule}: ${fk.note})`],
        ...(r.llm.tokens_in + r.llm.tokens_out > 0 ? [['LLM', `${r.llm.tokens_in} tokens in · ${r.llm.tokens_out} out · $${r.llm.cost_usd.toFixed(2)}`]] : []),
        ...(r.predictions.n > 0 ? [['predicted deltas', calibrationText(r.predictions, num)]] : []),
      ],
    ),
    '',
  );

  if (r.agenda) {
    const versions = r.agenda.versions > 1 ? `, version ${r.agenda.versions}` : '';
    out.push("## The proposer's agenda", '', `Written ${r.agenda.written_at}${versions}:`, '', printable(r.agenda.plan), '');
  }

  if (r.slots) {
    const t = slotsText(r.slots);
    out.push(...section('Slots', t.summary, t.summary, t.head, t.rows));
    if (t.inFlight) out.push(t.inFlight, '');
  }

  const tail = (x: { ci_low: number | null; ci_high: number | null; n: number; significant: boolean; experiment: number }) => [
    interval(x.ci_low, x.ci_high),
    String(x.n),
    yes(x.significant),
    String(x.experiment),
  ];
  out.push(
    ...section(
      'Kept changes',
      'None: every change was reverted.',
      `${DELTA_AT_DECISION}: its runs − the baseline it was decided on, with the verdict's interval and p (its runs were kept for looking good). ` +
        `${DELTA_REMEASURED}: its commit's fresh baseline/control runs − the runs of the baseline it replaced, 95% interval; - until they are measured.`,
      ['#', 'change', 'mean of its runs', 'runs', DELTA_AT_DECISION, 'interval', 'p', DELTA_REMEASURED, 'interval', 'commit'],
      r.kept.map((k) => [
        String(k.experiment),
        k.description,
        num(k.mean),
        String(k.n),
        signed(k.delta_at_decision),
        interval(k.at_decision.ci_low, k.at_decision.ci_high),
        num(k.at_decision.p, 2),
        k.remeasured
          ? `${signed(k.remeasured.delta)} (${num(k.remeasured.mean)} over ${k.remeasured.n} runs vs ${num(k.remeasured.previous_mean)} over ${k.remeasured.previous_n})`
          : '-',
        k.remeasured ? interval(k.remeasured.ci_low, k.remeasured.ci_high) : '-',
        k.commit?.slice(0, 10) ?? '-',
      ]),
    ),
    ...section(
      `Effects of components (${r.design_label})`,
      'No ablation was measured.',
      (r.design === 'factorial'
        ? 'Δ = the least-squares effect of ablating the component alone (0/1 coding), from every run of the design and the baseline; n = runs with it ablated. '
        : 'Δ = mean with the component ablated − the mean of the baseline it was measured on (after a keep, components are measured again on the new one: each row names its experiment). ') +
        'Intervals are simultaneous at 95% over the table (Bonferroni); a component is significant when its interval excludes 0.',
      ['component', 'change', 'Δ', 'interval', 'n', 'significant', '#'],
      r.effects.map((x) => [x.component, x.change, signed(x.delta), ...tail(x)]),
    ),
    ...section(
      `Interactions (${r.design_label})`,
      'No pair of ablations was measured together.',
      'Interaction = Δ(a and b together) − Δ(a) − Δ(b): zero when the two effects simply add up.',
      ['a', 'b', 'interaction', 'interval', 'n', 'significant', '#'],
      r.interactions.map((x) => [x.a, x.b, signed(x.interaction), ...tail(x)]),
    ),
  );

  if (r.controls.length > 0) {
    out.push(
      ...section(
        'Drift',
        '',
        'No-op control runs re-measure the current baseline through the whole pipeline; "expected" is what the log believed it to be ' +
          "(its earlier runs, or right after a keep the kept change's own runs, which were selected for looking good).",
        ['#', r.metric, 'expected', 'difference'],
        r.controls.map((c) => [
          String(c.experiment),
          num(c.metric),
          num(c.expected),
          c.metric === null || c.expected === null ? '-' : signed(c.metric - c.expected),
        ]),
      ),
    );
  }
  if (r.floor !== null) out.push(`Floor reported by the script: ${num(r.floor)}.`, '');
  return out.join('\n');
}

/** A heading, then a table of `rows` (with an introductory line), or a sentence when there are none. */
function section(title: string, none: string, intro: string | null, head: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [`## ${title}`, '', none, ''];
  return [`## ${title}`, '', ...(intro ? [intro, ''] : []), table(head, rows), ''];
}

function measuredText(b: SessionReport['start']): string {
  if (b.mean === null) return 'no finished run';
  if (b.sd === null) return `${num(b.mean)} (one run: no spread yet)`;
  return `${num(b.mean)} ± ${num(b.sd)} (SD over ${b.n} runs)`;
}

/** The current baseline and where it comes from: the start, or a kept change's commit measured afresh. */
function currentText(b: SessionReport['baseline']): string {
  const from = b.experiment === null ? 'the start' : `the commit of #${b.experiment}, measured afresh`;
  return b.mean === null ? `being measured (${from})` : `${measuredText(b)}, ${from}: what changes are compared with`;
}
