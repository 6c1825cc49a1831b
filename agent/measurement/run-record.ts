/**
 * What the agent notes in a run's folder, beside the executor's files, so that an agent restarted
 * mid-run judges the run as the one that submitted it would have: the tree's state right before
 * submission (for the rule that only editable files may change), the configuration its step plan
 * belongs to, when the command started (for the deadline) and whether the agent stopped it at
 * the deadline. Written atomically (write, then rename).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../json-file.ts';
import type { TreeState } from './untouched.ts';

export const RECORD_FILE = 'measure.json';

const RecordFile = z.object({
  before: z.array(z.tuple([z.string(), z.string()])),
  config: z.string(),
  /** Milliseconds since the epoch when the command started, as far as the agent could tell. */
  startedAt: z.number().optional(),
  timedOut: z.boolean().optional(),
});

export interface MeasureRecord {
  before: TreeState;
  config: string;
  startedAt?: number;
  timedOut?: boolean;
}

export function writeMeasureRecord(runDir: string, record: MeasureRecord): void {
  fs.mkdirSync(runDir, { recursive: true });
  writeJsonFile(path.join(runDir, RECORD_FILE), { ...record, before: [...record.before.entries()] });
}

/** The record, or null when none was written (the run was submitted by no agent that measures it). */
export function readMeasureRecord(runDir: string): MeasureRecord | null {
  const file = path.join(runDir, RECORD_FILE);
  const json = readJsonFile(file);
  if (json === undefined) return null;
  const parsed = RecordFile.safeParse(json);
  if (!parsed.success) throw new Error(`${file} is not the record nightshift writes (${parsed.error.issues[0]?.path.join('.')})`);
  return { ...parsed.data, before: new Map(parsed.data.before) };
}
