import type { SlotRun, SlotsView } from '../../query/slots.ts';
import { printable } from '../../text/printable.ts';

/** The slots at this moment: each run in flight with its time so far; none listed once the agent is gone (its rows say running, but nothing follows them). */
export type DashboardSlots = Omit<SlotsView, 'in_flight'> & { in_flight: (SlotRun & { elapsedS: number | null })[]; live: boolean };

export function dashboardSlots(slots: SlotsView | null, live: boolean, now: number): DashboardSlots | null {
  if (slots === null) return null;
  const inFlight = live
    ? slots.in_flight.map((run) => ({
        ...run,
        // Descriptions quote proposers: nothing of theirs may steer the terminal.
        description: printable(run.description),
        elapsedS: run.started_at === null ? null : Math.max(0, (now - Date.parse(run.started_at)) / 1000),
      }))
    : [];
  return { ...slots, in_flight: inFlight, free: Math.max(0, slots.count - inFlight.length), live };
}
