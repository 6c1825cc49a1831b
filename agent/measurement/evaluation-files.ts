/**
 * The files an evaluation runs with (docs/design.md, "One run"): the sandbox's readonly and
 * hidden files as they were when the session began, kept beside the workspace, out of every
 * run's view, and copied afresh into an empty folder for each evaluation — never the
 * workspace's copies, and never a folder a run could have left bytecode or data in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hashFiles, type Hashes } from '../workspace/readonly-guard.ts';

/** Copies `files` of the sandbox into `snapshot` (made anew) and returns their hashes. */
export function snapshotEvaluationFiles(sandboxDir: string, files: readonly string[], snapshot: string): Hashes {
  fs.rmSync(snapshot, { recursive: true, force: true });
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(snapshot, file)), { recursive: true });
    fs.copyFileSync(path.join(sandboxDir, file), path.join(snapshot, file));
  }
  return hashFiles(snapshot, files);
}

/**
 * Fills `folder` (made anew) from the snapshot for one evaluation, with a `node_modules` link
 * when the workspace has one. Returns the files whose snapshot no longer matches its hash: then
 * nothing is copied and the run cannot be scored.
 */
export function prepareEvaluationFolder(snapshot: string, hashes: Hashes, folder: string, modules: string | null): string[] {
  const changed = Object.entries(hashFiles(snapshot, Object.keys(hashes)))
    .filter(([file, hash]) => hash !== hashes[file])
    .map(([file]) => file);
  if (changed.length > 0) return changed;
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  for (const file of Object.keys(hashes)) {
    fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    fs.copyFileSync(path.join(snapshot, file), path.join(folder, file), fs.constants.COPYFILE_EXCL);
  }
  if (modules) fs.symlinkSync(modules, path.join(folder, 'node_modules'), 'dir');
  return [];
}
