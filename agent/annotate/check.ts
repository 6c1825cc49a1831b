import path from 'node:path';
import { parseMarkers, type Marker } from '../knobs/markers.ts';
import { commentToken } from './syntax.ts';
import type { ProposedMarker } from './tool.ts';

/** A proposed marker that fits its line: the line as it will read with the marker appended. */
export interface MarkerEdit {
  proposal: ProposedMarker;
  /** 0-based index of the line in its file. */
  index: number;
  text: string;
}

export interface DroppedMarker {
  proposal: ProposedMarker;
  why: string;
}

/**
 * Keeps the proposals whose marker, appended to the named line in the file's comment syntax,
 * parses with the marker parser into a marker of that line's name and measures something; every
 * other one is dropped with one reason. Nothing here writes: the edits are applied by patch.ts.
 */
export function checkProposals(files: ReadonlyMap<string, string>, proposals: readonly ProposedMarker[]): { edits: MarkerEdit[]; dropped: DroppedMarker[] } {
  const edits: MarkerEdit[] = [];
  const dropped: DroppedMarker[] = [];
  for (const proposal of proposals) {
    const outcome = checkOne(files, proposal);
    if (typeof outcome === 'string') dropped.push({ proposal, why: outcome });
    else if (edits.some((e) => e.proposal.file === proposal.file && e.index === outcome.index))
      dropped.push({ proposal, why: `line ${proposal.line} was proposed twice` });
    else edits.push(outcome);
  }
  return { edits, dropped };
}

function checkOne(files: ReadonlyMap<string, string>, proposal: ProposedMarker): MarkerEdit | string {
  const { file, line } = proposal;
  const text = files.get(file);
  if (text === undefined) return `${file} is not one of the sandbox's editable files`;
  const comment = commentToken(file);
  if (comment === null) return `markers cannot be written in ${path.extname(file) || 'extensionless'} files (only // and # comments are read)`;
  if (!/^@(knob|ablate)\b/.test(proposal.marker)) return 'a marker starts with @knob or @ablate';
  const lines = text.split('\n');
  // A text that ends in a newline splits into one empty string more than it has lines.
  const count = text.endsWith('\n') ? lines.length - 1 : lines.length;
  if (line > count) return `line ${line} is past the end of ${file} (${count} lines)`;
  const original = lines[line - 1]!;
  const existing = parseMarkers(file, original);
  if (existing.markers.length + existing.problems.length > 0) return `line ${line} is marked already`;
  const eol = original.endsWith('\r') ? '\r' : '';
  const body = original.slice(0, original.length - eol.length).trimEnd();
  // PEP 8 asks for two spaces before an inline comment; the TypeScript markers use one.
  const patched = `${body}${comment === '#' ? '  ' : ' '}${comment} ${proposal.marker}${eol}`;
  const { markers, problems } = parseMarkers(file, patched);
  const marker = markers[0];
  if (!marker) {
    if (body.includes(comment)) return `line ${line} has a comment already, and a marker must be the line's only comment`;
    return `line ${line}: ${problems[0]?.message ?? 'no marker parsed'}`;
  }
  if (marker.name !== proposal.name) return `line ${line} sets ${marker.name}, not ${proposal.name}`;
  const idle = measuresNothing(marker);
  if (idle) return idle;
  return { proposal, index: line - 1, text: patched };
}

/** Why a marker that parses would still give the planner nothing to run, or null. */
function measuresNothing(marker: Marker): string | null {
  if (marker.marker === 'ablate' && marker.alternatives.every((v) => v === marker.value)) return '@ablate gives only the current value: nothing to compare';
  const domain = marker.domain;
  if (domain?.type === 'set' && domain.values.every((v) => v === marker.value)) return '@knob gives only the current value: nothing to tune';
  if (domain?.type === 'range' && typeof marker.value !== 'number') return `a @knob range needs a number on its line, not ${String(marker.value)}`;
  return null;
}
