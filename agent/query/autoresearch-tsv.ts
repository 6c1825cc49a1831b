/**
 * autoresearch's results.tsv (commit, val_bpb, memory_gb, status, description), so its analysis
 * notebook and plots read a nightshift session. One row for the baseline, then one per change:
 * - val_bpb holds the session's metric whatever its name (the column keeps autoresearch's name),
 *   as the mean of the change's runs (its screening run and confirmations), 0 for a crash;
 * - memory_gb is `memory_gb` from the run's final line, else `peak_vram_mb` / 1024 as
 *   autoresearch's train.py prints it, else 0;
 * - status: keep, discard (reverted or rejected) or crash (a run crashed, timed out or diverged);
 * - commit: the kept commit, the baseline's for the baseline, empty for changes never committed.
 * Changes without a verdict yet (pending, interrupted) are left out.
 */
import { finalFields, finalNumber } from '../runner/final-fields.ts';
import { candidateRunIndex, measured } from '../session/candidates.ts';
import { CANDIDATE_KINDS } from '../session/kinds.ts';
import { mean } from '../stats/descriptive.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { isFailedRun } from '../store/types.ts';

export function autoresearchTsv(session: SessionRow, rows: readonly ExperimentRow[]): string {
  const lines = [['commit', 'val_bpb', 'memory_gb', 'status', 'description']];
  const baseline = rows.filter((e) => e.kind === 'baseline');
  const memory = (runs: readonly ExperimentRow[]) => Math.max(0, ...runs.map((e) => memoryGb(e)));
  const baseValues = measured(baseline);
  if (baseline.length > 0) {
    lines.push([
      short(session.baseline_commit),
      baseValues.length > 0 ? mean(baseValues).toFixed(6) : '0.000000',
      memory(baseline).toFixed(1),
      baseValues.length > 0 ? 'keep' : 'crash',
      `baseline (mean of ${baseValues.length} of ${baseline.length} runs)`,
    ]);
  }
  const runsOf = candidateRunIndex(rows);
  for (const e of rows) {
    if (!CANDIDATE_KINDS.has(e.kind) || (e.decision !== 'keep' && e.decision !== 'revert')) continue;
    const runs = runsOf(e);
    const crashed = runs.some((r) => isFailedRun(r.status));
    const values = measured(runs);
    lines.push([
      e.decision === 'keep' ? short(e.commit_sha) : '',
      crashed || values.length === 0 ? '0.000000' : mean(values).toFixed(6),
      memory(runs).toFixed(1),
      e.decision === 'keep' ? 'keep' : crashed ? 'crash' : 'discard',
      e.description,
    ]);
  }
  return lines.map((fields) => `${fields.map((f) => f.replace(/[\t\r\n]+/g, ' ')).join('\t')}\n`).join('');
}

function memoryGb(e: ExperimentRow): number {
  const fields = finalFields(e.final_json);
  const gb = finalNumber(fields, 'memory_gb');
  if (gb !== null) return gb;
  const mb = finalNumber(fields, 'peak_vram_mb');
  return mb === null ? 0 : mb / 1024;
}

const short = (sha: string | null) => (sha ?? '').slice(0, 7);
