/**
 * `report --format html`: the session as one self-contained page. No script, font, stylesheet or
 * image is fetched (a Content-Security-Policy forbids it): charts are inline SVG, the style is in
 * the page. Built from the report's own pieces (summary.ts's numbers, learned.ts's findings,
 * chart-data.ts and chart-svg.ts's progress chart), so it says what the Markdown and JSON say.
 * Bounded on huge sessions: the chart is decimated (html-chart.ts), long tables show their latest rows.
 */
import { num, signed } from '../format/numbers.ts';
import { DELTA_AT_DECISION, DELTA_REMEASURED } from '../session/kept-deltas.ts';
import { CANDIDATE_KINDS } from '../session/kinds.ts';
import type { ExperimentRow } from '../store/types.ts';
import { chartData } from './chart-data.ts';
import { chartSvg } from './chart-svg.ts';
import { decimateChart } from './html-chart.ts';
import { MAX_CURVES } from './html-curves.ts';
import { learnedHtml } from './html-learned.ts';
import { esc, html, type Html, inlineSvg, latest, section, table } from './html-parts.ts';
import { sessionNoiseText } from './session-noise.ts';
import { slotsText } from './slots-text.ts';
import type { SessionReport } from './summary.ts';

export interface HtmlInput {
  report: SessionReport;
  rows: readonly ExperimentRow[];
  /** Kept changes' learning curves as SVG, by experiment id (html-curves.ts). */
  curves: ReadonlyMap<number, string>;
}

const STYLE = `
body { font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; background: #fff; margin: 2em auto; max-width: 1240px; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; } h3 { margin-bottom: .3em; }
.meta, .note, .none { color: #555; } table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; } th { background: #f4f4f4; }
tr[data-decision="keep"] td, tr[data-kept] td { background: #eef8f0; } svg { max-width: 100%; height: auto; } .rule { color: #777; font-size: .9em; }
figure { margin: 1em 0; }`;

export function reportHtml({ report: r, rows, curves }: HtmlInput): string {
  const direction = r.goal === 'minimize' ? 'lower is better' : 'higher is better';
  const title = `nightshift session ${r.session}: ${r.metric}`;
  const body = html`<h1>${title}</h1>
<p class="meta">${`${r.metric} (${direction}, ${r.seal}) · sandbox ${r.sandbox} · proposer ${r.proposer} · rule ${r.decision_rule} · ${r.status}${r.end_reason ? ` (${r.end_reason})` : ''} · ${r.started_at} → ${r.ended_at ?? 'still running'}`}</p>
${section('learned', 'What was learned', learnedHtml(r.learned, r.metric), '')}
${section('summary', 'Summary', summaryTable(r), '')}
${section('progress', 'Progress', progressChart(r, rows), 'No run has finished yet.')}
${r.agenda ? section('agenda', "The proposer's agenda", agendaHtml(r.agenda), '') : null}
${r.slots ? section('slots', 'Slots', slotsHtml(r.slots), '') : null}
${section('kept', 'Kept changes', keptTable(r, curves), 'None: every change was reverted.')}
${section('effects', `Effects of components (${r.design_label})`, effectsTable(r), 'No ablation was measured.')}
${section('interactions', `Interactions (${r.design_label})`, interactionsTable(r), 'No pair of ablations was measured together.')}
${r.controls.length > 0 ? section('drift', 'Drift', driftTable(r), '') : null}
${section('changes', 'Every change', changesTable(r, rows), 'No change was tried.')}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title).html}</title><style>${STYLE}</style></head>
<body>
${body.html}
</body></html>
`;
}

function summaryTable(r: SessionReport): Html {
  const e = r.experiments;
  const baseline = (b: { mean: number | null; sd: number | null; n: number }) =>
    b.mean === null ? 'no finished run' : b.sd === null ? `${num(b.mean)} (one run)` : `${num(b.mean)} ± ${num(b.sd)} (SD over ${b.n} runs)`;
  const best =
    r.best.experiment === null
      ? `${num(r.best.mean)} (the start: no kept change beat it)`
      : `${num(r.best.mean)} (#${r.best.experiment}, ${signed(r.best.delta)} vs the start)`;
  // Where the current baseline comes from: the start, or a kept change's commit measured afresh.
  const current = (b: SessionReport['baseline'], text: string) => {
    const from = b.experiment === null ? 'the start' : `the commit of #${b.experiment}, measured afresh`;
    return b.mean === null ? `being measured (${from})` : `${text}, ${from}: what changes are compared with`;
  };
  const fk = r.expected_false_keeps;
  const rows: [string, string][] = [
    ['baseline', current(r.baseline, baseline(r.baseline))],
    ['start', `${baseline(r.start)}, the first baseline`],
    ['best', best],
    [
      'runs',
      `${e.total} total · ${e.changes} changes tried · ${e.kept} kept · ${e.reverted} reverted · ${e.crashed} failed · ${e.rejected} rejected · ${e.interrupted} interrupted`,
    ],
    ['noise', sessionNoiseText(r.noise, num)],
    ['expected false keeps', fk.value === null ? fk.note : `${num(fk.value, 3)} (${fk.rule}: ${fk.note})`],
  ];
  const counts = { total: e.total, changes: e.changes, kept: e.kept, reverted: e.reverted, failed: e.crashed };
  return html`${table(
    ['', ''],
    rows.map(([k, v]) => [k, v]),
    (i) => ({ field: rows[i]![0] }),
  )}<p hidden data-counts="${JSON.stringify(counts)}" data-best="${r.best.mean === null ? '' : String(r.best.mean)}"></p>`;
}

function progressChart(r: SessionReport, rows: readonly ExperimentRow[]): Html | null {
  const full = chartData(r, rows);
  if (full.points.length === 0 && full.failed.length === 0) return null;
  const { data, shown, total } = decimateChart(full);
  const note = shown < total ? html`<p class="note">${`${shown} of ${total} runs drawn: each stretch of runs keeps its best and its worst.`}</p>` : null;
  return html`<figure>${inlineSvg(chartSvg(data))}</figure>${note}`;
}

function slotsHtml(slots: NonNullable<SessionReport['slots']>): Html {
  const t = slotsText(slots);
  const places = t.rows.length > 0 ? table(t.head, t.rows, (i) => ({ place: t.rows[i]![0]! })) : null;
  const utilisation = slots.utilisation === null ? '' : String(slots.utilisation);
  return html`<p data-utilisation="${utilisation}">${t.summary}</p>${places}${t.inFlight ? html`<p>${t.inFlight}</p>` : null}`;
}

function keptTable(r: SessionReport, curves: ReadonlyMap<number, string>): Html | null {
  if (r.kept.length === 0) return null;
  const { shown, note } = latest(r.kept, 'kept changes', `\`nightshift log --session ${r.session} --kept\``);
  const rows = shown.map((k) => [
    String(k.experiment),
    k.description,
    `${num(k.mean)} (n=${k.n})`,
    `${signed(k.delta_at_decision)}${k.at_decision.p === null ? '' : ` (p=${num(k.at_decision.p, 2)})`}`,
    k.remeasured === null ? 'not yet' : `${signed(k.delta_remeasured)} (n=${k.remeasured.n})`,
    k.commit?.slice(0, 10) ?? '-',
  ]);
  const figures = r.kept.flatMap((k) => {
    const svg = curves.get(k.experiment);
    return svg === undefined ? [] : [html`<figure data-curves="${String(k.experiment)}">${inlineSvg(svg)}</figure>`];
  });
  const capped =
    r.kept.length > MAX_CURVES
      ? html`<p class="note">${`Learning curves of the ${MAX_CURVES} kept changes with the largest ${DELTA_AT_DECISION}, of ${r.kept.length}; \`nightshift show ID --chart\` draws any other.`}</p>`
      : null;
  const intro = html`<p class="note">${`${DELTA_AT_DECISION}: its runs − the baseline it was decided on (its runs were kept for looking good). ${DELTA_REMEASURED}: its commit's fresh runs − the runs of the baseline it replaced.`}</p>`;
  return html`${intro}${note}${table(['#', 'change', 'mean of its runs', DELTA_AT_DECISION, DELTA_REMEASURED, 'commit'], rows, (i) => ({ kept: String(shown[i]!.experiment) }))}${capped}${figures}`;
}

const ci = (lo: number | null, hi: number | null) => (lo === null || hi === null ? 'no noise estimate' : `[${signed(lo)}, ${signed(hi)}]`);

function effectsTable(r: SessionReport): Html | null {
  if (r.effects.length === 0) return null;
  return table(
    ['component', 'change', 'Δ', 'interval (95%, whole table)', 'n', 'significant', '#'],
    r.effects.map((x) => [x.component, x.change, signed(x.delta), ci(x.ci_low, x.ci_high), String(x.n), x.significant ? 'yes' : 'no', String(x.experiment)]),
  );
}

function interactionsTable(r: SessionReport): Html | null {
  if (r.interactions.length === 0) return null;
  return table(
    ['a', 'b', 'interaction', 'interval (95%, whole table)', 'n', 'significant', '#'],
    r.interactions.map((x) => [x.a, x.b, signed(x.interaction), ci(x.ci_low, x.ci_high), String(x.n), x.significant ? 'yes' : 'no', String(x.experiment)]),
  );
}

function driftTable(r: SessionReport): Html {
  const { shown, note } = latest(r.controls, 'control runs', `\`nightshift log --session ${r.session} --kind control\``);
  const t = table(
    ['#', r.metric, 'expected', 'difference'],
    shown.map((c) => [String(c.experiment), num(c.metric), num(c.expected), c.metric === null || c.expected === null ? '-' : signed(c.metric - c.expected)]),
  );
  return html`${note}${t}`;
}

function changesTable(r: SessionReport, rows: readonly ExperimentRow[]): Html | null {
  const changes = rows.filter((e) => CANDIDATE_KINDS.has(e.kind));
  if (changes.length === 0) return null;
  const { shown, note } = latest(changes, 'changes', `\`nightshift log --session ${r.session}\``);
  const t = table(
    ['#', 'kind', 'change', 'status', 'decision', r.metric, 'Δ', 'reason'],
    shown.map((e) => [String(e.id), e.kind, e.description, e.status, e.decision ?? '-', num(e.metric), signed(e.delta), e.reason ?? '']),
    (i) => ({ decision: shown[i]!.decision ?? '' }),
  );
  return html`${note}${t}`;
}

/** The plan as its proposer wrote it (Markdown shown as text: it is the model's words, escaped). */
function agendaHtml(agenda: NonNullable<SessionReport['agenda']>): Html {
  const versions = agenda.versions > 1 ? `, version ${agenda.versions}` : '';
  return html`<p>Written ${agenda.written_at}${versions}:</p><pre>${agenda.plan}</pre>`;
}
