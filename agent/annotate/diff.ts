/** Lines of context around each change, as git and patch expect by default. */
const CONTEXT = 3;
const NO_NEWLINE = '\\ No newline at end of file';

/**
 * A unified diff (git apply and patch -p1 read it) of `before` and `after`, two texts with the
 * same lines but some replaced: annotate only ever appends a comment to a line, so no general
 * diff algorithm is needed. Empty when nothing changed.
 */
export function replacementDiff(file: string, before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length || before.endsWith('\n') !== after.endsWith('\n')) throw new Error(`replacementDiff: ${file} gained or lost lines`);
  const count = before.endsWith('\n') ? a.length - 1 : a.length;
  const lastWithoutNewline = before.endsWith('\n') ? -1 : count - 1;
  const changed = [...Array(count).keys()].filter((i) => a[i] !== b[i]);
  if (changed.length === 0) return '';

  // Changes whose context would touch or overlap share a hunk.
  const hunks: { start: number; end: number }[] = [];
  for (const i of changed) {
    const start = Math.max(0, i - CONTEXT);
    const end = Math.min(count, i + CONTEXT + 1);
    const last = hunks.at(-1);
    if (last && start <= last.end) last.end = end;
    else hunks.push({ start, end });
  }

  const out = [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`];
  const line = (prefix: string, text: string, i: number) => (i === lastWithoutNewline ? [prefix + text, NO_NEWLINE] : [prefix + text]);
  for (const { start, end } of hunks) {
    const size = end - start;
    out.push(`@@ -${start + 1},${size} +${start + 1},${size} @@`);
    for (let i = start; i < end; ) {
      if (a[i] === b[i]) {
        out.push(...line(' ', a[i]!, i));
        i++;
        continue;
      }
      // A run of changed lines: all of its old lines, then all of its new ones.
      let j = i;
      while (j < end && a[j] !== b[j]) j++;
      for (let k = i; k < j; k++) out.push(...line('-', a[k]!, k));
      for (let k = i; k < j; k++) out.push(...line('+', b[k]!, k));
      i = j;
    }
  }
  return `${out.join('\n')}\n`;
}
