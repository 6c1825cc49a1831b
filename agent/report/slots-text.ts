/**
 * The slots of a session with several runs at once, in words and a table, for the Markdown and the
 * HTML report alike: how busy they were, where the runs went, what was still in flight.
 */
import { span } from '../format/time.ts';
import { placeText, type SlotRun, type SlotsView } from '../query/slots.ts';

export interface SlotsText {
  /** "4 slots (GPUs 0,1,2,3), 87% busy over the session: 3 h 20 min of runs in 1 h × 4 slots." */
  summary: string;
  head: string[];
  /** One row per place the runs went to. */
  rows: string[][];
  /** "In flight: #12 tweak on node01 GPU 0; #13 confirm pending in Slurm."; null when none. */
  inFlight: string | null;
}

const IN_FLIGHT: Record<SlotRun['state'], string> = { running: 'running', waiting: 'pending in Slurm', queued: 'queued' };

export function slotsText(s: SlotsView): SlotsText {
  const busy = s.utilisation === null ? 'no time measured yet' : `${Math.round(s.utilisation * 100)}% busy over the session`;
  const summary = `${s.count} slot${s.count === 1 ? '' : 's'} (${s.label}), ${busy}: ${span(s.busy_s)} of runs in ${span(s.wall_s)} × ${s.count}.`;
  const share = (busyS: number) => (s.wall_s > 0 ? `${Math.round((busyS / s.wall_s) * 100)}%` : '-');
  const rows = s.places.map((p) => [placeText(p), p.gpu_model ?? '-', String(p.runs), span(p.busy_s), share(p.busy_s)]);
  const runs = s.in_flight.map((r) => `#${r.experiment} ${r.kind} ${r.state === 'running' && placeText(r) ? `on ${placeText(r)}` : IN_FLIGHT[r.state]}`);
  return {
    summary,
    head: ['where', 'GPU model', 'runs', 'busy', 'of the session'],
    rows,
    inFlight: runs.length === 0 ? null : `In flight: ${runs.join('; ')}.`,
  };
}
