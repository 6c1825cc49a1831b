/**
 * The slots of a session that runs several experiments at once (issue 15): how many runs it may
 * have in flight, which run is where now (node, GPUs), which wait, where the runs went, and how
 * busy the slots were. Built from the log's rows alone, so `watch` (reading a log another process
 * writes) and `report` see what `run` sees. Pure: no DB, no clock. A session with no executor in
 * its settings (one run at a time in its workspace) has no slots: null.
 */
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { planSlots } from '../executors/gpu-pool.ts';
import { ExecutorSettings } from '../executors/settings.ts';
import type { ExperimentRow, SessionRow } from '../store/types.ts';
import { rowGpus } from './row-gpus.ts';

/** running: placed on its node/GPUs; waiting: handed to Slurm, no node yet; queued: not handed to the executor yet. */
export type SlotState = 'running' | 'waiting' | 'queued';

export interface SlotRun {
  experiment: number;
  kind: ExperimentRow['kind'];
  description: string;
  state: SlotState;
  node: string | null;
  gpus: string[];
  gpu_model: string | null;
  started_at: string | null;
}

/** One place runs went to (a node, a set of GPUs), and how long they held it. */
export interface SlotPlace {
  node: string | null;
  gpus: string[];
  gpu_model: string | null;
  runs: number;
  busy_s: number;
}

export interface SlotsView {
  executor: 'local' | 'slurm';
  /** Runs the session may have in flight at once. */
  count: number;
  /** The executor in words: "GPUs 0,1,2,3", "local", "slurm". */
  label: string;
  /** Rows in flight (queued or running), oldest first. */
  in_flight: SlotRun[];
  free: number;
  /** Seconds the runs held a slot, summed, up to the session's end (or now). */
  busy_s: number;
  wall_s: number;
  /** busy_s / (count × wall_s): the share of slot-time spent on runs; null before any time passed. */
  utilisation: number | null;
  /** Where the runs ran, by node then GPUs; runs with no place recorded are left out. */
  places: SlotPlace[];
}

const Stored = z.object({ executor: ExecutorSettings.optional() });

/** The slot settings a session stored, or undefined for one run at a time (and for options that are not the agent's). */
export function storedExecutor(session: Pick<SessionRow, 'options_json'>): ExecutorSettings | undefined {
  let json: unknown;
  try {
    json = JSON.parse(session.options_json);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return undefined;
  }
  const parsed = Stored.safeParse(json);
  return parsed.success ? parsed.data.executor : undefined;
}

/** How many slots the settings make: Slurm's --parallel, or the local pool's (planSlots, as the pool itself counts). */
function slotCount(settings: ExecutorSettings): number | null {
  if (settings.kind === 'slurm') return settings.parallel ?? 1;
  try {
    return planSlots({ gpus: settings.gpus ?? undefined, gpusPerRun: settings.gpusPerRun ?? undefined, parallel: settings.parallel ?? undefined }).length;
  } catch (error) {
    // Settings the agent would have refused (a log edited by hand) show no slots rather than fail the screen.
    if (error instanceof UserError) return null;
    throw error;
  }
}

const labelOf = (s: ExecutorSettings): string => (s.kind === 'slurm' ? 'slurm' : s.gpus ? `GPUs ${s.gpus}` : 'local');

/**
 * The slots view at `endMs`: the session's end, or now while its agent lives (a dead agent's
 * clock stopped at its last heartbeat). Runs still in flight count as busy up to then.
 */
export function slotsView(session: SessionRow, rows: readonly ExperimentRow[], endMs: number): SlotsView | null {
  const settings = storedExecutor(session);
  const count = settings && slotCount(settings);
  if (!settings || !count) return null;
  const startMs = Date.parse(session.started_at);
  const inFlight = rows.filter((e) => e.status === 'running' || e.status === 'queued');
  let busyMs = 0;
  const places = new Map<string, SlotPlace>();
  for (const e of rows) {
    if (e.started_at === null) continue;
    const from = Math.max(startMs, Date.parse(e.started_at));
    const to = Math.min(endMs, e.ended_at === null ? endMs : Date.parse(e.ended_at));
    const heldMs = Math.max(0, to - from);
    busyMs += heldMs;
    const gpus = rowGpus(e.gpus);
    if (!e.node && gpus.length === 0) continue;
    const key = `${e.node ?? ''}\u0000${gpus.join(',')}`;
    const place = places.get(key) ?? { node: e.node ?? null, gpus, gpu_model: null, runs: 0, busy_s: 0 };
    place.runs++;
    place.busy_s += heldMs / 1000;
    place.gpu_model = e.gpu_model ?? place.gpu_model;
    places.set(key, place);
  }
  const wallS = Math.max(0, (endMs - startMs) / 1000);
  const busyS = busyMs / 1000;
  return {
    executor: settings.kind,
    count,
    label: labelOf(settings),
    in_flight: inFlight.map((e) => slotRun(e, settings.kind)),
    free: Math.max(0, count - inFlight.length),
    busy_s: busyS,
    wall_s: wallS,
    utilisation: wallS > 0 ? Math.min(1, busyS / (count * wallS)) : null,
    places: [...places.values()].sort(
      (a, b) => (a.node ?? '').localeCompare(b.node ?? '') || a.gpus.join(',').localeCompare(b.gpus.join(','), 'en', { numeric: true }),
    ),
  };
}

function slotRun(e: ExperimentRow, executor: SlotsView['executor']): SlotRun {
  const state: SlotState = e.status === 'queued' ? 'queued' : executor === 'slurm' && !e.node ? 'waiting' : 'running';
  return {
    experiment: e.id,
    kind: e.kind,
    description: e.description,
    state,
    node: e.node ?? null,
    gpus: rowGpus(e.gpus),
    gpu_model: e.gpu_model ?? null,
    started_at: e.started_at,
  };
}

/** Where a run is, in words: "node01 GPU 0", "GPUs 0,1", "node01"; empty when nothing was recorded. */
export function placeText(place: Pick<SlotPlace, 'node' | 'gpus'>): string {
  const gpus = place.gpus.length === 0 ? '' : `GPU${place.gpus.length === 1 ? '' : 's'} ${place.gpus.join(',')}`;
  return [place.node ?? '', gpus].filter((s) => s !== '').join(' ');
}
