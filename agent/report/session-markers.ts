import { loadSandbox } from '../config/load.ts';
import { UserError } from '../errors.ts';
import type { Marker } from '../knobs/markers.ts';
import { scanMarkers } from '../knobs/scan.ts';

/**
 * The markers of a session's workspace, for the report's knob suggestions. Names and domains are
 * what matter, and an experiment in flight changes only literals. A workspace that is gone or no
 * longer readable leaves the report without them (null), never without a report.
 */
export function sessionMarkers(workspace: string): Marker[] | null {
  try {
    return scanMarkers(workspace, loadSandbox(workspace, { hidden: 'elsewhere' }).config.editable);
  } catch (error) {
    if (error instanceof UserError || (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
