import fs from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../config/load.ts';
import { UserError } from '../errors.ts';
import { writeFile } from '../output-file.ts';
import type { ClaudeApi } from '../proposers/claude/client.ts';
import { askForMarkers } from './ask.ts';
import { checkProposals, type DroppedMarker, type MarkerEdit } from './check.ts';
import { replacementDiff } from './diff.ts';
import { patchFiles } from './patch.ts';
import { annotateMessage, loadAnnotatePrompt } from './prompt.ts';
import type { ProposedMarker } from './tool.ts';

/** What annotate would change: the checked markers, the dropped ones with why, and the diff. */
export interface Annotation {
  /** The editable files as read, by their sandbox-relative names. */
  files: ReadonlyMap<string, string>;
  edits: MarkerEdit[];
  dropped: DroppedMarker[];
  /** The changed files as they would read. */
  patched: ReadonlyMap<string, string>;
  /** A unified diff headed by one line per marker and its reason (git apply and patch skip such a preamble); empty when no marker is left. */
  diff: string;
}

export function readEditable(sandbox: Sandbox): Map<string, string> {
  return new Map(sandbox.config.editable.map((file) => [file, fs.readFileSync(path.join(sandbox.dir, file), 'utf8')]));
}

/**
 * Claude's proposals for the sandbox's editable files, checked and turned into a diff; with
 * `ablations` (a section from from-session.ts), only for the parts those touched. Writes nothing.
 */
export async function annotate(api: ClaudeApi, sandbox: Sandbox, ablations?: string): Promise<Annotation> {
  const files = readEditable(sandbox);
  return planAnnotation(files, await askForMarkers(api, loadAnnotatePrompt(), annotateMessage(files, ablations)));
}

export function planAnnotation(files: ReadonlyMap<string, string>, proposals: readonly ProposedMarker[]): Annotation {
  const { edits, dropped } = checkProposals(files, proposals);
  const patched = patchFiles(files, edits);
  const diffs = [...patched].map(([file, text]) => replacementDiff(file, files.get(file)!, text));
  const preamble = edits.map((e) => `# ${describeMarker(e.proposal)} (${e.proposal.reason})\n`);
  return { files, edits, dropped, patched, diff: edits.length > 0 ? [...preamble, ...diffs].join('') : '' };
}

/** "train.ts:12 dropout: @knob 0..0.3" */
export const describeMarker = (p: ProposedMarker): string => `${p.file}:${p.line} ${p.name}: ${p.marker}`;

export const describeDropped = (d: DroppedMarker): string => `dropped ${describeMarker(d.proposal)}: ${d.why}`;

/** Writes the patched files into the sandbox, unless one changed since it was read (nothing is written then). */
export function applyAnnotation(sandbox: Sandbox, annotation: Annotation): void {
  for (const file of annotation.patched.keys()) {
    const now = fs.readFileSync(path.join(sandbox.dir, file), 'utf8');
    if (now !== annotation.files.get(file)) throw new UserError(`${file} changed while annotate ran: nothing applied (run annotate again)`);
  }
  for (const [file, text] of annotation.patched) writeFile(path.join(sandbox.dir, file), text);
}
