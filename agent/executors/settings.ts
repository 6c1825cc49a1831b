/** An executor's settings as a session stores them (options_json): what `run`'s flags chose, read back on resume and by the slots view. */
import { z } from 'zod';

export const ExecutorSettings = z.object({
  kind: z.enum(['local', 'slurm']),
  parallel: z.number().int().min(1).nullable(),
  gpus: z.string().nullable(),
  gpusPerRun: z.number().int().min(1).nullable(),
  allowMixedGpus: z.boolean(),
  slurmArgs: z.string().nullable(),
});
export type ExecutorSettings = z.infer<typeof ExecutorSettings>;
