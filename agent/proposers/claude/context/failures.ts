import { isFailedRun, type ExperimentRow } from '../../../store/types.ts';
import { untrusted } from './fence.ts';

/** Lines of a failed run's log shown to the model: autoresearch's agent reads a crash's tail to fix it. */
export const TAIL_LINES = 30;
/** Failed runs whose tails are shown, newest first; older failures keep their one-line reason. */
export const TAILED_FAILURES = 3;
/** A log line past this is cut: one minified tensor dump must not fill the context. */
const LINE_CHARS = 300;

/** The newest failed runs (crashed, timed out, diverged, invalid), newest first: whose log tails the model gets. */
export function latestFailures(rows: readonly ExperimentRow[], count = TAILED_FAILURES): ExperimentRow[] {
  return rows
    .filter((e) => isFailedRun(e.status))
    .slice(-count)
    .reverse();
}

/** One failed run's last lines, fenced as run output (they were printed by the edited script). */
export function failureTail(e: ExperimentRow, lines: readonly string[]): string {
  const shown = lines.slice(-TAIL_LINES).map((l) => (l.length > LINE_CHARS ? `${l.slice(0, LINE_CHARS)}…` : l));
  const what = `#${e.id} ${e.kind}${e.kind === 'confirm' && e.parent_id !== null ? ` of #${e.parent_id}` : ''} (${e.status}, seed ${e.seed})`;
  if (shown.length === 0) return `- ${what}: its log is empty or gone`;
  return `- ${what}, last ${shown.length === 1 ? 'line' : `${shown.length} lines`} of its log:\n${untrusted(shown.join('\n'))}`;
}
