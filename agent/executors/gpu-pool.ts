/**
 * The local pool of slots: `--parallel N` CPU slots, or GPU slots from `--gpus 0,1,2,3` and
 * `--gpus-per-run N` (each slot a list of GPU ids; `--gpus 0,0,0,0` is four slots sharing GPU 0).
 * A run holds one slot while it runs and gets CUDA_VISIBLE_DEVICES from it. The pool keeps no file:
 * after a restart it is rebuilt from the runs still in flight, each of which records its GPUs.
 */
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { type GpuInfo, listGpus, slotModels } from './gpu-models.ts';

export interface Slot {
  index: number;
  /** GPU ids (indices or UUIDs) given to the run as CUDA_VISIBLE_DEVICES; empty for a CPU slot. */
  gpus: readonly string[];
  /** The GPUs' model as nvidia-smi names it, for the run to record; null for CPU slots or without nvidia-smi. */
  model: string | null;
}

/** Indices, or UUIDs as nvidia-smi prints them (GPU-…); both are what CUDA_VISIBLE_DEVICES takes. */
const GPU_ID = /^(\d+|GPU-[0-9A-Fa-f-]+)$/;

const PoolFlags = z.object({
  gpus: z.string().optional(),
  gpusPerRun: z.number().int().min(1).max(64).optional(),
  parallel: z.number().int().min(1).max(1024).optional(),
  allowMixed: z.boolean().optional(),
});
export type PoolFlags = z.input<typeof PoolFlags>;

/** The first issue of a zod error as the flag it concerns and what is wrong with it. */
function flagIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const flag = { gpus: '--gpus', gpusPerRun: '--gpus-per-run', parallel: '--parallel', allowMixed: '--allow-mixed-gpus' }[String(issue?.path[0])];
  return `${flag ?? 'the pool'}: ${issue?.message ?? 'invalid'}`;
}

/** The GPU ids of each slot from `--gpus` and `--gpus-per-run`; a UserError of one sentence on bad input. */
export function parseGpuSlots(gpus: string, gpusPerRun = 1): string[][] {
  const ids = gpus.split(',').map((id) => id.trim());
  const bad = ids.find((id) => !GPU_ID.test(id));
  if (bad !== undefined) {
    throw new UserError(
      bad === ''
        ? `--gpus ${JSON.stringify(gpus)} has an empty entry; give GPU ids separated by commas, e.g. --gpus 0,1`
        : `--gpus names ${JSON.stringify(bad)}, which is not a GPU index (0, 1, …) or UUID (GPU-…)`,
    );
  }
  if (ids.length % gpusPerRun !== 0) {
    throw new UserError(`--gpus lists ${ids.length} GPUs, which cannot be split into runs of ${gpusPerRun} (--gpus-per-run ${gpusPerRun})`);
  }
  const slots: string[][] = [];
  for (let i = 0; i < ids.length; i += gpusPerRun) slots.push(ids.slice(i, i + gpusPerRun));
  const twice = slots.find((slot) => new Set(slot).size < slot.length);
  if (twice !== undefined) {
    throw new UserError(
      `a run would get GPUs ${twice.join(',')}, naming one GPU twice; list each run's GPUs together (e.g. --gpus 0,1,0,1 --gpus-per-run 2 for two runs sharing GPUs 0 and 1)`,
    );
  }
  // Runs are compared with each other, so each must share its GPU with as many others as the rest do.
  const shares = new Map<string, number>();
  for (const id of ids) shares.set(id, (shares.get(id) ?? 0) + 1);
  const counts = [...shares.entries()];
  if (new Set(counts.map(([, n]) => n)).size > 1) {
    const each = counts.map(([id, n]) => `GPU ${id} in ${n}`).join(', ');
    throw new UserError(`--gpus shares its GPUs unevenly (${each} slots), so runs would not be measured under the same sharing; list every GPU equally often`);
  }
  return slots;
}

/** The slots a pool's flags make, before any GPU model is read. */
export function planSlots(flags: PoolFlags): string[][] {
  const parsed = PoolFlags.safeParse(flags);
  if (!parsed.success) throw new UserError(flagIssue(parsed.error));
  const { gpus, gpusPerRun, parallel } = parsed.data;
  if (gpus === undefined) {
    if (gpusPerRun !== undefined) throw new UserError('--gpus-per-run needs --gpus to say which GPUs the runs share out');
    return Array.from({ length: parallel ?? 1 }, () => []);
  }
  const slots = parseGpuSlots(gpus, gpusPerRun);
  if (parallel !== undefined && parallel !== slots.length) {
    throw new UserError(`--parallel ${parallel} disagrees with the ${slots.length} slots --gpus ${gpus} makes; give one or the other`);
  }
  return slots;
}

/**
 * The pool the flags describe, with each slot's GPU model read from nvidia-smi (`listGpus` stands
 * in for it in tests). A mixed pool is refused unless `allowMixed`.
 */
export async function buildPool(flags: PoolFlags, gpuList: () => Promise<GpuInfo[] | null> = listGpus): Promise<SlotPool> {
  const plan = planSlots(flags);
  const usesGpus = plan.some((slot) => slot.length > 0);
  const models = slotModels(plan, usesGpus ? await gpuList() : null, flags.allowMixed ?? false);
  return new SlotPool(plan.map((gpus, index) => ({ index, gpus, model: models[index] ?? null })));
}

/** Which run holds which slot. Runs are known by their unique name. */
export class SlotPool {
  readonly slots: readonly Slot[];
  private readonly holders: (string | null)[];

  constructor(slots: readonly Slot[]) {
    if (slots.length === 0) throw new Error('a pool needs at least one slot');
    this.slots = slots;
    this.holders = slots.map(() => null);
  }

  /** The slot a run holds, if any. */
  slotOf(run: string): Slot | null {
    const index = this.holders.indexOf(run);
    return index < 0 ? null : this.slots[index]!;
  }

  /** A free slot for the run (the one it already holds, if any), or null when every slot is taken. */
  acquire(run: string): Slot | null {
    const held = this.slotOf(run);
    if (held) return held;
    const index = this.holders.indexOf(null);
    if (index < 0) return null;
    this.holders[index] = run;
    return this.slots[index]!;
  }

  /**
   * Marks the slot of a run found in flight (after a restart) as held: the slot it recorded when
   * that one has the same GPUs and is free, else any free slot with the same GPUs. Null when none
   * matches (the pool was given other GPUs since): the run goes on, outside the pool.
   */
  adopt(run: string, gpus: readonly string[], hint?: number): Slot | null {
    const held = this.slotOf(run);
    if (held) return held;
    const same = (slot: Slot) => slot.gpus.length === gpus.length && slot.gpus.every((id, i) => id === gpus[i]);
    const free = (slot: Slot) => this.holders[slot.index] === null;
    const hinted = hint === undefined ? undefined : this.slots[hint];
    const slot = hinted && same(hinted) && free(hinted) ? hinted : this.slots.find((s) => same(s) && free(s));
    if (!slot) return null;
    this.holders[slot.index] = run;
    return slot;
  }

  /** Frees the run's slot; a run holding none is fine (it ended before this pool knew of it). */
  release(run: string): void {
    const index = this.holders.indexOf(run);
    if (index >= 0) this.holders[index] = null;
  }

  /** The runs holding slots, by slot, for the dashboard and for finding ended runs. */
  held(): { slot: Slot; run: string }[] {
    return this.slots.flatMap((slot) => {
      const run = this.holders[slot.index];
      return run == null ? [] : [{ slot, run }];
    });
  }

  get free(): number {
    return this.holders.filter((run) => run === null).length;
  }
}
