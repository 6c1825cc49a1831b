import type { ExperimentRow } from '../../agent/store/types.ts';
import { row } from '../ui/rows.ts';

/** Rows of one session by hand: runs of commits c0 and c1, candidates and their confirmations. */
export const baseline = (id: number, metric: number | null, over: Partial<ExperimentRow> = {}): ExperimentRow => row({ id, seed: id, metric, ...over });

export const candidate = (id: number, metric: number | null, over: Partial<ExperimentRow> = {}): ExperimentRow =>
  row({ id, kind: 'ablation', decision: 'pending', description: `candidate ${id}`, seed: 1, metric, ...over });

export const confirm = (id: number, parent: number, metric: number | null, over: Partial<ExperimentRow> = {}): ExperimentRow =>
  row({ id, kind: 'confirm', decision: null, parent_id: parent, description: `confirm #${parent}`, seed: id, metric, ...over });

export const control = (id: number, commit: string, metric: number | null, over: Partial<ExperimentRow> = {}): ExperimentRow =>
  row({ id, kind: 'control', base_commit: commit, seed: 100 + id, metric, ...over });
