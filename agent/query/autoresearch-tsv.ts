/**
 * autoresearch's results.tsv (commit, val_bpb, memory_gb, status, description), so its analysis
 * notebook and plots read a nightshift session. One row for the baseline, then one per change:
 * - val_bpb holds the session's metric whatever its name (the column keeps autoresearch's name),
 *   as the mean of the change's runs (its screening run and confirmations), 0.000000 for a crash;
 * - memory_gb is the highest peak memory of those runs in GiB, one decimal, as autoresearch's
 *   program.md asks (peak_vram_mb / 1024); 0.0 for a crash or a script that reports none;
 * - status: keep, discard (reverted or rejected) or crash (a run crashed, timed out or diverged,
 *   or none measured): runs made invalid by a rule (the seed ignored) are left out of the mean
 *   but do not make the change a crash;
 * - commit: the kept commit, the baseline's for the baseline, empty for changes never committed.
 * Changes without a verdict yet (pending, interrupted) are left out.
 */
import { finalFields, peakMemoryMb } from '../runner/final-fields.ts';
import { candidateRunIndex, measured } from '../session/candidates.ts';
import { CANDIDATE_KINDS } from '../session/kinds.ts';
import { mean } from '../stats/descriptive.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';

const CRASHES = new Set(['crashed', 'timeout', 'diverged']);

export function autoresearchTsv(session: SessionRow, rows: readonly ExperimentRow[]): string {
  const lines = [['commit', 'val_bpb', 'memory_gb', 'status', 'description']];
  const baseline = rows.filter((e) => e.kind === 'baseline');
  if (baseline.length > 0) {
    const n = measured(baseline).length;
    lines.push(resultRow(short(session.baseline_commit), baseline, 'keep', `baseline (mean of ${n} of ${baseline.length} runs)`));
  }
  const runsOf = candidateRunIndex(rows);
  for (const e of rows) {
    if (!CANDIDATE_KINDS.has(e.kind) || (e.decision !== 'keep' && e.decision !== 'revert')) continue;
    lines.push(resultRow(e.decision === 'keep' ? short(e.commit_sha) : '', runsOf(e), e.decision === 'keep' ? 'keep' : 'discard', e.description));
  }
  return lines.map((fields) => `${fields.map((f) => f.replace(/[\t\r\n]+/g, ' ')).join('\t')}\n`).join('');
}

/**
 * One line of results.tsv for a configuration's runs: a crash when none measured, or when a
 * reverted change's run crashed; a keep stays one (its verdict came from the runs that measured).
 */
function resultRow(commit: string, runs: readonly ExperimentRow[], verdict: 'keep' | 'discard', description: string): string[] {
  const values = measured(runs);
  if (values.length === 0 || (verdict === 'discard' && runs.some((r) => CRASHES.has(r.status)))) return [commit, '0.000000', '0.0', 'crash', description];
  const memoryGb = Math.max(0, ...runs.map((r) => memoryMb(r) / 1024));
  return [commit, mean(values).toFixed(6), memoryGb.toFixed(1), verdict, description];
}

/** The run's recorded peak memory; from its final facts for logs written before v8 recorded it. */
const memoryMb = (e: ExperimentRow): number => e.peak_mem_mb ?? peakMemoryMb(finalFields(e.final_json)) ?? 0;

const short = (sha: string | null) => (sha ?? '').slice(0, 7);
