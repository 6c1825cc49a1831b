import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { parseMarkers } from '../knobs/markers.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { commentToken } from './syntax.ts';

/** prompts/annotate.md: what markers are and what makes one worth proposing. */
export function loadAnnotatePrompt(): string {
  const file = path.join(PACKAGE_ROOT, 'prompts', 'annotate.md');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UserError(`cannot read the annotate prompt ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * The user message: every editable file with numbered lines (the tool names lines by these
 * numbers), the markers already in place, and the task. A file the parser cannot mark in is
 * still shown, as context, but said to be unmarkable. `ablations` (from-session.ts) narrows the
 * task to the parts a session's ablations touched.
 */
export function annotateMessage(files: ReadonlyMap<string, string>, ablations?: string): string {
  const shown = [...files].map(([file, text]) => {
    const comment = commentToken(file);
    const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
    const width = String(lines.length).length;
    const numbered = lines.map((line, i) => `${String(i + 1).padStart(width)}| ${line}`).join('\n');
    const syntax = comment ? `markers are written after ${comment}` : 'no markers can be written in this file';
    return `## ${file} (${syntax})\n\`\`\`\n${numbered}\n\`\`\``;
  });
  const existing = [...files].flatMap(([file, text]) => parseMarkers(file, text).markers.map((m) => `- ${file}:${m.line + 1} ${m.name}: @${m.marker} already`));
  const task = ablations
    ? 'Propose markers for the parts the ablations above touched, and for nothing else: call propose_markers once with all of them.'
    : 'Propose new markers for what is not marked yet: call propose_markers once with all of them.';
  return [
    `# The editable files\n\n${shown.join('\n\n')}`,
    `# Markers already in place\n${existing.length > 0 ? existing.join('\n') : '(none)'}`,
    ...(ablations ? [ablations] : []),
    `# Your task\n${task}`,
  ].join('\n\n');
}
