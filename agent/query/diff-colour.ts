import type { Colour } from './format.ts';

/** A unified diff with git's colours: additions green, removals red, hunk headers cyan, file headers bold-less gray. */
export function colourDiff(diff: string, paint: ((colour: Colour, text: string) => string) | undefined): string {
  if (!paint) return diff;
  return diff
    .split('\n')
    .map((line) => {
      if (/^(diff --git|index |--- |\+\+\+ )/.test(line)) return paint('gray', line);
      if (line.startsWith('@@')) return paint('cyan', line);
      if (line.startsWith('+')) return paint('green', line);
      if (line.startsWith('-')) return paint('red', line);
      return line;
    })
    .join('\n');
}
