import path from 'node:path';

/** Line comments by extension: the two spellings the marker parser reads (agent/knobs/markers.ts). */
const COMMENTS: Record<string, '//' | '#'> = {
  '.ts': '//',
  '.tsx': '//',
  '.mts': '//',
  '.cts': '//',
  '.js': '//',
  '.jsx': '//',
  '.mjs': '//',
  '.cjs': '//',
  '.py': '#',
};

/** The line comment a marker in `file` is written in; null for a language the marker parser cannot read. */
export function commentToken(file: string): '//' | '#' | null {
  return COMMENTS[path.extname(file).toLowerCase()] ?? null;
}
