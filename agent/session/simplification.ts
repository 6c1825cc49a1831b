import type { ExperimentRow } from '../store/types.ts';
import { specsOf } from './effect-inputs.ts';

/**
 * A change that only removes: every ablation it makes is a removal (to false, 0 or none), or its
 * diff deletes lines and adds none. Such a change is kept when it is shown not to be worse
 * (decide/noise-aware.ts), as autoresearch keeps a deletion that does as well.
 */
export function isSimplification(row: Pick<ExperimentRow, 'spec_json' | 'diff'>): boolean {
  const specs = specsOf(row);
  if (specs.length > 0) return specs.every((s) => s.action === 'REMOVE');
  let removed = 0;
  for (const line of row.diff.split('\n')) {
    if (line.startsWith('+++') || line.startsWith('---')) continue;
    if (line.startsWith('+')) return false;
    if (line.startsWith('-')) removed++;
  }
  return removed > 0;
}
