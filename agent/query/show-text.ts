import fs from 'node:fs';
import { z } from 'zod';
import { mebibytes, num, seconds, signed } from '../format/numbers.ts';
import { measured } from '../session/candidates.ts';
import { mean, sd } from '../stats/descriptive.ts';
import type { ExperimentRow } from '../store/types.ts';
import { colourDiff } from './diff-colour.ts';
import { DELTA_AT_DECISION, DELTA_REMEASURED, type CandidateDeltas, type DeltaRemeasured } from '../session/kept-deltas.ts';
import type { ExperimentDetail } from './experiment-detail.ts';
import type { Colour } from './format.ts';
import { rowGpus } from './row-gpus.ts';
import { sparkline } from './sparkline.ts';
import { noiseLines } from './noise-text.ts';
import { tailLines } from './tail.ts';
import { isFailedRun } from '../store/types.ts';
import { printable, printableFields } from '../text/printable.ts';

export interface ShowOptions {
  paint?: (colour: Colour, text: string) => string;
  tail: number;
}

/** `nightshift show`: one experiment as a person reads it, top to bottom. */
export function showText(detail: ExperimentDetail, { paint, tail }: ShowOptions): string {
  // Descriptions, reasons, final lines, diffs and metric names come from runs and proposers:
  // made printable here, before any colour is added, so only nightshift's own escapes remain.
  const e = printableFields(detail.experiment);
  const session = printableFields(detail.session);
  const candidate = detail.candidate ? printableFields(detail.candidate) : detail.candidate;
  const runs = detail.runs.map(printableFields);
  const series = detail.series.map((s) => ({ ...s, name: printable(s.name) }));
  const p = (colour: Colour, text: string) => (paint ? paint(colour, text) : text);
  const field = (name: string, value: string) => `${p('gray', name.padEnd(11))} ${value}`;
  const out: string[] = [];

  const verdict = candidate?.decision ?? e.decision;
  const status = isFailedRun(e.status) ? p('red', e.status) : e.status;
  out.push(
    `#${e.id} ${e.kind} · ${status}${verdict ? ` · ${verdict === 'keep' ? p('green', 'keep') : verdict}` : ''}   (session ${session.id}, ${session.metric}, ${session.goal}, ${session.seal})`,
  );
  out.push(e.description, '');
  if (e.kind === 'confirm' && candidate) out.push(field('confirms', `#${candidate.id} ${candidate.description}`));
  if (e.hypothesis) out.push(field(e.kind === 'confirm' ? 'why' : 'hypothesis', e.hypothesis));
  out.push(field('proposer', proposerLine(e)));
  for (const spec of specs(e)) out.push(field('spec', `${spec.action} ${spec.part}: ${spec.from} -> ${spec.to}`));
  out.push(field('run', runLine(e)));
  // As the script reported it (peak_mem_mb, peak_vram_mb or memory_gb in its final facts); logs before v8 have none.
  if (e.peak_mem_mb != null) out.push(field('memory', `peak ${mebibytes(e.peak_mem_mb)}`));
  // A finished run's reason is a note on how it ran (cut output, a deadline that stopped it short).
  if (e.reason && (!candidate || e.id !== candidate.id)) out.push(field(e.status === 'done' ? 'note' : 'ended', e.reason));
  out.push(field('metric', e.metric === null ? '-' : `${session.metric} ${num(e.metric, 6)}`));
  if (candidate) {
    out.push(field('delta', deltaLine(candidate, detail.deltas)));
    if (detail.deltas?.remeasured) out.push(field('', remeasuredLine(detail.deltas.remeasured)));
    for (const line of noiseLines(candidate.noise_json)) out.push(field('noise', line));
    if (candidate.reason) out.push(field('decision', candidate.reason));
    if (candidate.commit_sha) out.push(field('commit', candidate.commit_sha));
  }
  out.push('', p('gray', candidate ? 'runs of this change' : 'runs of this baseline'));
  for (const run of runs)
    out.push(
      `  ${run.id === e.id ? '▸' : ' '} #${String(run.id).padEnd(5)} ${run.kind.padEnd(9)} seed ${String(run.seed).padEnd(4)} ${run.status.padEnd(9)} ${run.metric === null ? '-' : num(run.metric, 6)}`,
    );
  const values = measured(runs);
  if (values.length > 1) out.push(`    mean ${num(mean(values), 6)}, SD ${num(sd(values))} over ${values.length} finished runs`);
  if (e.final_json) out.push('', field(e.eval_json === null && session.seal === 'self-reported' ? 'final line' : 'training', e.final_json));
  if (e.eval_json) out.push(field('evaluation', `${e.eval_json}${e.eval_s === null ? '' : ` (${num(e.eval_s, 3)} s)`}`));

  if (e.diff.trim() !== '') out.push('', p('gray', 'diff'), colourDiff(e.diff.trimEnd(), paint));
  if (series.length > 0) {
    const width = Math.max(...series.map((s) => s.name.length));
    out.push('', p('gray', 'step metrics'));
    for (const s of series) {
      const last = s.steps.at(-1)!;
      out.push(
        `  ${s.name.padEnd(width)}  ${sparkline(s.values)}  ${num(s.values[0])} → ${num(s.values.at(-1))}  (${s.values.length} points to step ${last}, min ${num(Math.min(...s.values))}, max ${num(Math.max(...s.values))})`,
      );
    }
  }
  out.push('', ...logTail(e, tail, p));
  return `${out.join('\n')}\n`;
}

function proposerLine(e: ExperimentRow): string {
  const parts = [e.proposer];
  if (e.propose_s !== null) parts.push(`proposed in ${seconds(e.propose_s)}`);
  if (e.tokens_in > 0 || e.tokens_out > 0) parts.push(`${e.tokens_in} tokens in, ${e.tokens_out} out, $${e.cost_usd.toFixed(4)}`);
  return parts.join(' · ');
}

function runLine(e: ExperimentRow): string {
  const parts = [`seed ${e.seed}`, `ran ${seconds(e.run_s)}`];
  if (e.exit_code !== null) parts.push(`exit ${e.exit_code}`);
  if (e.signal) parts.push(`signal ${e.signal}`);
  if (e.backend) parts.push(`backend ${e.backend}`);
  // Where a run through an executor ran (absent for runs in the workspace, and in logs before v7).
  if (e.node) parts.push(`on ${e.node}`);
  const gpus = rowGpus(e.gpus);
  if (gpus.length > 0) parts.push(`GPUs ${gpus.join(',')}${e.gpu_model ? ` (${e.gpu_model})` : ''}`);
  if (e.started_at) parts.push(`started ${e.started_at}`);
  return parts.join(' · ');
}

/** The verdict's delta, named for what it compares: the baseline the change was decided on. */
function deltaLine(c: ExperimentRow, deltas: CandidateDeltas | null): string {
  if (c.delta === null) return `${DELTA_AT_DECISION} - (no verdict with numbers yet)`;
  const base = deltas?.at_decision;
  const against =
    base && base.baseline_mean !== null
      ? `vs the baseline it was decided on (${num(base.baseline_mean)} over ${base.baseline_n} runs of ${c.base_commit.slice(0, 10)})`
      : `vs the baseline it was decided on (${c.base_commit.slice(0, 10)})`;
  const parts = [`${DELTA_AT_DECISION} ${signed(c.delta)} ${against}`];
  if (c.n_runs !== null) parts.push(`n=${c.n_runs}`);
  if (c.noise_sd !== null) parts.push(`noise SD ${num(c.noise_sd)}`);
  if (c.p_value !== null) parts.push(`p=${num(c.p_value, 2)}`);
  if (c.ci_low !== null && c.ci_high !== null) parts.push(`95% CI [${num(c.ci_low)}, ${num(c.ci_high)}]`);
  return parts.join(' · ');
}

/** A kept change measured again: its commit's fresh runs against the baseline it replaced. */
function remeasuredLine(r: DeltaRemeasured): string {
  const ci = r.ci_low === null || r.ci_high === null ? '' : ` · 95% CI [${num(r.ci_low)}, ${num(r.ci_high)}]`;
  return `${DELTA_REMEASURED} ${signed(r.delta)}: ${num(r.mean)} over ${r.n} fresh runs of its commit vs ${num(r.previous_mean)} over ${r.previous_n} runs of the baseline it replaced${ci}`;
}

const SpecsSchema = z.array(z.object({ part: z.string(), action: z.string(), from: z.string(), to: z.string() }));

/** The AblationBench-style specs of an ablation or interaction; anything unreadable shows as none. */
function specs(e: ExperimentRow): z.infer<typeof SpecsSchema> {
  if (!e.spec_json) return [];
  try {
    return SpecsSchema.safeParse(JSON.parse(e.spec_json)).data ?? [];
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return [];
  }
}

function logTail(e: ExperimentRow, n: number, p: (c: Colour, t: string) => string): string[] {
  if (!e.log_path) return [p('gray', 'log: none (the run never started)')];
  if (!fs.existsSync(e.log_path)) return [p('gray', `log: ${e.log_path} is gone`)];
  const lines = tailLines(e.log_path, n);
  return [p('gray', `log tail (last ${lines.length} lines of ${e.log_path}; --log prints it all)`), ...lines.map((l) => `  ${l}`)];
}
