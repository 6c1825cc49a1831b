/**
 * The diffs of compared experiments. Changes made on one commit are set against each other (the
 * later ones' stored diffs diffed against the first's, as interdiff would), so what differs
 * between them is all that shows; changes on different commits, or a run of no change, are shown
 * each against its own base commit, since a diff of diffs over different code says nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execaOwnSession } from '../runner/own-session.ts';
import { gitEnvironment } from '../workspace/git.ts';
import type { ExperimentRow } from '../store/types.ts';

export interface DiffSection {
  title: string;
  text: string;
}

export async function compareDiffs(rows: readonly ExperimentRow[]): Promise<DiffSection[]> {
  const [first, ...rest] = rows;
  if (!first) return [];
  // A run with no change (a baseline) against a change is just that change: shown as it is.
  const comparable = rest.every((r) => r.base_commit === first.base_commit) && rows.every((r) => r.diff.trim() !== '');
  if (!comparable)
    return rows.map((r) => ({ title: `#${r.id} against its base commit ${r.base_commit.slice(0, 10)}`, text: r.diff.trim() === '' ? '(no change)' : r.diff }));
  const sections: DiffSection[] = [];
  for (const r of rest)
    sections.push({ title: `#${r.id}'s diff against #${first.id}'s (both on ${first.base_commit.slice(0, 10)})`, text: await diffOfDiffs(first, r) });
  return sections;
}

/** git's own line diff of two stored patches (git is already needed by every session). */
async function diffOfDiffs(a: ExperimentRow, b: ExperimentRow): Promise<string> {
  if (a.diff === b.diff) return '(the same diff)';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-compare-'));
  try {
    const [fileA, fileB] = [path.join(dir, `${a.id}.diff`), path.join(dir, `${b.id}.diff`)];
    // The blob hashes on `index` lines differ whenever the changes do: they would only add noise.
    fs.writeFileSync(fileA, withoutIndexLines(a.diff));
    fs.writeFileSync(fileB, withoutIndexLines(b.diff));
    // Exit 1 means "they differ": not a failure here, so the status is read rather than thrown.
    const result = await execaOwnSession('git', ['diff', '--no-index', '--no-color', '--no-ext-diff', fileA, fileB], {
      reject: false,
      stripFinalNewline: false,
      extendEnv: false,
      env: gitEnvironment(process.env, null),
    });
    if (result.exitCode !== 1) throw new Error(`git diff --no-index failed: ${result.stderr.trim()}`);
    // The temporary names mean nothing to the reader: the headers name the experiments instead.
    const body = result.stdout.split('\n');
    const start = body.findIndex((line) => line.startsWith('@@'));
    return [`--- #${a.id}`, `+++ #${b.id}`, ...body.slice(start)].join('\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const withoutIndexLines = (diff: string) => diff.replace(/^index [0-9a-f]+\.\.[0-9a-f]+.*\n/gm, '');
