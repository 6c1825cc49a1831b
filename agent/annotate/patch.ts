import type { MarkerEdit } from './check.ts';

/** The files the edits change, each with its marked lines replaced; every other byte is kept. */
export function patchFiles(files: ReadonlyMap<string, string>, edits: readonly MarkerEdit[]): Map<string, string> {
  const patched = new Map<string, string[]>();
  for (const edit of edits) {
    const file = edit.proposal.file;
    const lines = patched.get(file) ?? files.get(file)!.split('\n');
    lines[edit.index] = edit.text;
    patched.set(file, lines);
  }
  return new Map([...patched].map(([file, lines]) => [file, lines.join('\n')]));
}
