/**
 * What a local run leaves in its run folder besides the wrapper's files: `local.claim`, made with
 * O_EXCL before anything starts so that two submits of one name never both start it, and
 * `local.json`, the wrapper's pid, start time and boot (a recycled pid is never taken for the run)
 * with the slot it was given (so a restarted agent rebuilds its pool from the runs in flight).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from '../json-file.ts';

export const CLAIM_FILE = 'local.claim';
export const RECORD_FILE = 'local.json';

const Started = z.object({
  pid: z.number().int().positive(),
  startTicks: z.number().int().nonnegative(),
  bootId: z.string(),
  slot: z.number().int().nonnegative(),
  gpus: z.array(z.string()),
  gpuModel: z.string().nullable(),
  node: z.string(),
  submittedAt: z.string(),
});
const Failed = z.object({ error: z.string(), submittedAt: z.string() });

export type StartedRecord = z.infer<typeof Started>;
export type LaunchRecord = StartedRecord | z.infer<typeof Failed>;

/** Takes the run's name for this folder; false when a submit (this agent's or an earlier one's) already has. */
export function claim(runDir: string): boolean {
  try {
    fs.closeSync(fs.openSync(path.join(runDir, CLAIM_FILE), 'wx'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** When the claim was made, or null when the run was never submitted here. */
export function claimedAt(runDir: string): Date | null {
  try {
    return fs.statSync(path.join(runDir, CLAIM_FILE)).mtime;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw error;
  }
}

/** Writes the record whole or not at all (write, then rename), so a reader never sees half of one. */
export function writeRecord(runDir: string, record: LaunchRecord): void {
  writeJsonFile(path.join(runDir, RECORD_FILE), record);
}

/** The record, or null while the submit that claimed the run has not written it yet. */
export function readRecord(runDir: string): LaunchRecord | null {
  const file = path.join(runDir, RECORD_FILE);
  const json = readJsonFile(file, 'a local submit');
  if (json === undefined) return null;
  // One of the two shapes by its key, so that a bad field is named rather than "no shape matched".
  const parsed = (typeof json === 'object' && json !== null && 'error' in json ? Failed : Started).safeParse(json);
  if (!parsed.success) throw new Error(`${file} is not the record a local submit writes (${parsed.error.issues[0]?.path.join('.') || 'its shape'})`);
  return parsed.data;
}
