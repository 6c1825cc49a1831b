import { effectFamilies } from '../analysis/session-effects.ts';
import { num, signed } from '../format/numbers.ts';
import { resolveSession } from '../query/session-scope.ts';
import { specsOf } from '../session/effect-inputs.ts';
import { isCandidate } from '../session/kinds.ts';
import type { EffectRow } from '../stats/effects.ts';
import { openLogReadOnly } from '../store/db.ts';
import { ExperimentStore } from '../store/experiments.ts';
import type { AblationSpec, ExperimentRow, SessionRow } from '../store/types.ts';

/** A Claude ablation (a proposal that carried an ablation spec) worth a marker: kept, or significant in its effect table. */
export interface SessionAblation {
  row: ExperimentRow;
  spec: AblationSpec;
  kept: boolean;
  /** Its row in the session's effect table; null while the table has none for it. */
  effect: EffectRow | null;
}

/** More would crowd the files out of the message; the kept and the strongest come first. */
const MAX_SHOWN = 20;
/** A diff longer than this is clipped: the files themselves are in the message. */
const MAX_DIFF_CHARS = 4_000;

/**
 * The ablations Claude wrote into the code during a session that a marker should make
 * repeatable: those kept, and those whose effect the table calls significant. A marker on the
 * line that switches the part lets the planner measure it again over seeds and in pairs.
 */
export function ablationsToMark(rows: readonly ExperimentRow[]): SessionAblation[] {
  const effects = new Map<number, EffectRow>();
  for (const family of effectFamilies(rows)) family.ablationRows.forEach((row, i) => void effects.set(row.id, family.result.effects[i]!));
  const found = rows.flatMap((row): SessionAblation[] => {
    const spec = specsOf(row)[0];
    if (!isCandidate(row) || row.proposer !== 'claude' || !spec) return [];
    const kept = row.decision === 'keep';
    const effect = effects.get(row.id) ?? null;
    return kept || effect?.significant ? [{ row, spec, kept, effect }] : [];
  });
  const size = (a: SessionAblation) => Math.abs(a.effect?.delta ?? 0);
  return found.sort((a, b) => Number(b.kept) - Number(a.kept) || size(b) - size(a)).slice(0, MAX_SHOWN);
}

/** The ablations as a section of the annotate message: what each did, how it came out, and its diff. */
export function describeAblations(sessionId: number, metric: string, ablations: readonly SessionAblation[]): string {
  const shown = ablations.map(({ row, spec, kept, effect }) => {
    const change = spec.action === 'REMOVE' ? `REMOVE ${spec.part}` : `${spec.action} ${spec.part} with ${spec.to}`;
    const outcome = [
      kept ? 'kept' : 'reverted',
      effect
        ? `effect Δ ${signed(effect.delta)}${effect.ciLow !== null ? ` [${num(effect.ciLow)}, ${num(effect.ciHigh!)}]` : ''}${effect.significant ? ', significant' : ''}`
        : null,
    ]
      .filter(Boolean)
      .join('; ');
    const diff = row.diff.length > MAX_DIFF_CHARS ? `${row.diff.slice(0, MAX_DIFF_CHARS)}\n… (clipped)` : row.diff;
    return `## #${row.id}: ${row.description}\n${change} (${outcome})\n\`\`\`diff\n${diff.trimEnd()}\n\`\`\``;
  });
  return `# Ablations you made in code in session ${sessionId} (metric ${metric})\n\n${shown.join('\n\n')}`;
}

/** The session (--session ID, else the latest of `run`) and its ablations to mark, read from the log read-only. */
export function readSessionAblations(file: string, id: number | undefined): { session: SessionRow; ablations: SessionAblation[] } {
  const db = openLogReadOnly(file);
  try {
    const session = resolveSession(db, file, id);
    return { session, ablations: ablationsToMark(new ExperimentStore(db).forSession(session.id)) };
  } finally {
    db.close();
  }
}
