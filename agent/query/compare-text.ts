/**
 * `nightshift compare` as text: one column per experiment, one row per fact, then the diffs. A
 * terminal gets an aligned table (long text cut to fit), a pipe TSV with every text whole.
 */
import { num, seconds, signed } from '../format/numbers.ts';
import { DELTA_AT_DECISION, DELTA_REMEASURED } from '../session/kept-deltas.ts';
import { printable } from '../text/printable.ts';
import type { ComparedExperiment, Comparison } from './compare.ts';
import type { DiffSection } from './compare-diff.ts';
import { renderTable, type RenderOptions, type Table } from './format.ts';

/** Widest a text cell gets in the aligned table: a reason is a sentence, the table must stay readable. */
const CELL = 60;

export function compareText(c: Comparison, diffs: readonly DiffSection[], terminal: boolean, render: RenderOptions): string {
  const xs = c.experiments;
  // Experiments of sessions with different metrics say which metric each mean is of.
  const metrics = new Set(xs.map((e) => e.session.metric));
  const metricName = metrics.size === 1 ? `${xs[0]!.session.metric} mean ± SD` : 'metric mean ± SD';
  const metricOf = (e: ComparedExperiment) => (metrics.size === 1 ? metricCell(e) : `${e.session.metric} ${metricCell(e)}`);
  const fact = (name: string, value: (e: ComparedExperiment) => string | null): [string, string[]] | null => {
    const values = xs.map(value);
    return values.every((v) => v === null) ? null : [name, values.map((v) => v ?? '-')];
  };
  const rows = [
    fact('session', (e) => String(e.session.id)),
    fact('kind', (e) => e.row.kind),
    fact('status', (e) => e.row.status),
    fact('description', (e) => e.row.description),
    fact('decision', (e) => e.candidate?.decision ?? e.row.decision),
    fact('reason', (e) => e.candidate?.reason ?? null),
    fact(metricName, metricOf),
    fact(DELTA_AT_DECISION, atDecision),
    fact(DELTA_REMEASURED, remeasured),
    fact('seeds', (e) => e.runs.map((r) => r.seed).join(', ')),
    fact('run time', runTime),
    fact('steps', (e) => countOrNull(e.facts.steps)),
    fact('tokens/s', (e) => numOrNull(e.facts.tokens_per_s)),
    fact('params', (e) => countOrNull(e.facts.params)),
    fact('peak memory', (e) => (e.facts.memory_gb === null ? null : `${num(e.facts.memory_gb, 3)} GB`)),
    fact('base commit', (e) => e.row.base_commit.slice(0, 10)),
    fact('commit', (e) => e.candidate?.commit_sha?.slice(0, 10) ?? null),
  ].filter((r) => r !== null);
  // Descriptions, reasons and diffs come from runs and proposers: no escape of theirs reaches the terminal.
  const cut = (s: string) => (terminal && s.length > CELL ? `${s.slice(0, CELL - 1)}…` : s);
  const table: Table = {
    columns: [{ name: '' }, ...xs.map((e) => ({ name: `#${e.row.id}` }))],
    rows: rows.map(([name, values]) => [printable(name), ...values.map((v) => cut(printable(v)))]),
  };
  const out = [renderTable(table, terminal ? 'table' : 'tsv', terminal ? render : {}).trimEnd()];
  for (const d of diffs) out.push('', `${d.title}:`, printable(d.text).trimEnd());
  return `${out.join('\n').trimEnd()}\n`;
}

const numOrNull = (x: number | null) => (x === null ? null : num(x));
/** Counts (steps, parameters) whole: two models 20 parameters apart must not read the same at 4 digits. */
const countOrNull = (x: number | null) => (x === null ? null : Number.isInteger(x) ? String(x) : num(x));

function metricCell(e: ComparedExperiment): string {
  const m = e.metric;
  if (m.mean === null) return `no finished run${m.failed > 0 ? ` (${m.failed} failed)` : ''}`;
  const spread = m.sd === null ? '' : ` ± ${num(m.sd)}`;
  return `${num(m.mean)}${spread} (n=${m.n}${m.failed > 0 ? `, ${m.failed} failed` : ''})`;
}

/** The verdict's delta against the baseline it was decided on, with its direction and size in noise SDs. */
function atDecision(e: ComparedExperiment): string | null {
  const c = e.candidate;
  const delta = e.deltas?.at_decision.delta ?? null;
  if (c === null || delta === null) return null;
  const better = e.session.goal === 'minimize' ? delta < 0 : delta > 0;
  const z = c.noise_sd !== null && c.noise_sd > 0 ? Math.abs(delta) / c.noise_sd : null;
  const label = z !== null && z < 1 ? 'within noise' : delta === 0 ? 'no change' : better ? 'better' : 'worse';
  const p = e.deltas!.at_decision.p;
  return `${signed(delta)} (${label}${z === null ? '' : `, ${num(z, 2)} SD`}${p === null ? '' : `, p=${num(p, 2)}`})`;
}

/** A kept change's commit measured afresh against the runs of the baseline it replaced. */
function remeasured(e: ComparedExperiment): string | null {
  const r = e.deltas?.remeasured;
  if (!r) return e.candidate?.decision === 'keep' ? 'not yet (its commit has no fresh runs)' : null;
  const ci = r.ci_low === null || r.ci_high === null ? '' : ` [${signed(r.ci_low)}, ${signed(r.ci_high)}]`;
  return `${signed(r.delta)}${ci} (n=${r.n} vs ${r.previous_n})`;
}

function runTime(e: ComparedExperiment): string | null {
  if (e.row.run_s === null) return null;
  const total = e.runs.reduce((s, r) => s + (r.run_s ?? 0), 0);
  return e.runs.length > 1 ? `${seconds(e.row.run_s)} (all ${e.runs.length} runs: ${seconds(total)})` : seconds(e.row.run_s);
}
