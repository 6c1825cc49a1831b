import { UserError } from '../errors.ts';
import type { Workspace } from '../workspace/workspace.ts';
import { parseMarkers, type Marker } from './markers.ts';

/** Every marker in the editable files, in file order; a malformed marker is a clear error. */
export function scanMarkers(workspace: Workspace, editable: readonly string[]): Marker[] {
  const markers: Marker[] = [];
  for (const file of editable) {
    const { markers: found, problems } = parseMarkers(file, workspace.read(file));
    const problem = problems[0];
    if (problem) throw new UserError(`${problem.file}:${problem.line + 1}: ${problem.message}`);
    markers.push(...found);
  }
  return markers;
}
