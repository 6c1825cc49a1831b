import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { parseMarkers, type Marker } from './markers.ts';

/** Every marker in the editable files of a folder, in file order; a malformed marker is a clear error. */
export function scanMarkers(dir: string, editable: readonly string[]): Marker[] {
  const markers: Marker[] = [];
  for (const file of editable) {
    const { markers: found, problems } = parseMarkers(file, fs.readFileSync(path.join(dir, file), 'utf8'));
    const problem = problems[0];
    if (problem) throw new UserError(`${problem.file}:${problem.line + 1}: ${problem.message}`);
    markers.push(...found);
  }
  return markers;
}
