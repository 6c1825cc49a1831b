import { placeText, type SlotState } from '../../../query/slots.ts';
import type { DashboardSlots } from '../dashboard-slots.ts';
import { duration, fit, percent } from '../text.ts';
import { Line } from './Line.tsx';

/** Where a run waiting for its place is said to be, in place of a node and GPUs. */
const WAITING: Record<Exclude<SlotState, 'running'>, string> = { waiting: 'pending', queued: 'queued' };
/** Room for "node01 GPUs 0,1" before the run's number; longer places are cut. */
const PLACE_WIDTH = 18;

/**
 * slots 3/4 busy · GPUs 0,1,2,3 · 1 pending in Slurm · 87% busy over the session; then one line per run in flight
 * (its place, #id kind, description, time so far) as far as `height` allows. Once the agent is gone,
 * the summary line alone.
 */
export function Slots({ slots, width, height }: { slots: DashboardSlots; width: number; height: number }) {
  const runs = slots.in_flight;
  const count = (state: SlotState) => runs.filter((r) => r.state === state).length;
  const held = slots.live ? `slots ${runs.length}/${slots.count} busy` : `${slots.count} slots`;
  const shown = runs.slice(0, Math.max(0, height - 1));
  const placeWidth = Math.min(PLACE_WIDTH, Math.max(0, ...shown.map((r) => where(r).length)));
  const hidden = runs.length - shown.length;
  return (
    <>
      <Line
        width={width}
        pieces={[
          { key: 'slots', text: held, bold: true },
          { key: 'label', text: ` · ${slots.label}`, colour: 'gray' },
          { key: 'waiting', text: count('waiting') > 0 ? ` · ${count('waiting')} pending in Slurm` : '', colour: 'yellow' },
          { key: 'queued', text: count('queued') > 0 ? ` · ${count('queued')} queued` : '' },
          { key: 'hidden', text: hidden > 0 ? ` · ${hidden} more in flight` : '', colour: 'gray' },
          { key: 'busy', text: slots.utilisation === null ? '' : ` · ${percent(slots.utilisation)} busy over the session`, colour: 'gray' },
        ]}
      />
      {shown.map((run) => (
        <Line
          key={run.experiment}
          width={width}
          pieces={[
            { key: 'place', text: `  ${fit(where(run), placeWidth)} `, colour: run.state === 'running' ? undefined : 'yellow' },
            { key: 'id', text: `#${run.experiment} ${run.kind} `, colour: 'cyan' },
            { key: 'description', text: run.description, flex: true },
            { key: 'elapsed', text: run.elapsedS === null ? '' : ` ${duration(run.elapsedS)}`, colour: 'gray' },
          ]}
        />
      ))}
    </>
  );
}

const where = (run: DashboardSlots['in_flight'][number]): string => (run.state === 'running' ? placeText(run) || 'running' : WAITING[run.state]);
