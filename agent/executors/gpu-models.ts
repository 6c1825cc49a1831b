/**
 * The model of each GPU of a local pool, from nvidia-smi: runs are compared only on one model
 * (docs/design.md, "Executors"), so a pool of mixed models is refused unless the user allows it.
 */
import { execaOwnSession } from '../runner/own-session.ts';
import { UserError } from '../errors.ts';

export interface GpuInfo {
  index: string;
  uuid: string;
  name: string;
}

// A wedged driver can hang nvidia-smi; the pool is built once at start, so a long wait is fine.
const NVIDIA_SMI_TIMEOUT_MS = 30_000;

/** Parses `nvidia-smi --query-gpu=index,uuid,name --format=csv,noheader` ("0, GPU-…, NVIDIA H200"). */
export function parseGpuList(text: string): GpuInfo[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [index = '', uuid = '', ...name] = line.split(',').map((field) => field.trim());
      // A model name could hold a comma; it is the last field, so the rest of the line is the name.
      return { index, uuid, name: name.join(', ') };
    })
    .filter((gpu) => /^\d+$/.test(gpu.index) && gpu.name !== '');
}

/** The machine's GPUs as nvidia-smi lists them, or null where nvidia-smi is not installed. */
export async function listGpus(): Promise<GpuInfo[] | null> {
  // execa (already a dependency) for the timeout and a child that is killed with it.
  const result = await execaOwnSession('nvidia-smi', ['--query-gpu=index,uuid,name', '--format=csv,noheader'], {
    reject: false,
    timeout: NVIDIA_SMI_TIMEOUT_MS,
    stdin: 'ignore',
  });
  if (result.failed && (result.code === 'ENOENT' || result.exitCode === 127)) return null;
  if (result.failed) {
    const why =
      (result.timedOut ? `it did not answer in ${NVIDIA_SMI_TIMEOUT_MS / 1000} s` : `${result.stderr || result.stdout}`.trim().split('\n')[0]) || 'no output';
    throw new UserError(`nvidia-smi failed, so the models of the GPUs of --gpus cannot be checked (${why})`);
  }
  return parseGpuList(result.stdout);
}

/**
 * The model of each slot (its GPUs' model; "A + B" for a slot that spans two models), or null per
 * slot where nvidia-smi is absent. An id nvidia-smi does not list, or a pool of mixed models
 * without `allowMixed`, is a UserError of one sentence.
 */
export function slotModels(slots: readonly (readonly string[])[], gpus: readonly GpuInfo[] | null, allowMixed: boolean): (string | null)[] {
  if (gpus === null) return slots.map(() => null);
  const modelOf = (id: string): string => {
    const gpu = gpus.find((g) => g.index === id || g.uuid === id);
    if (gpu === undefined) {
      const known = gpus.map((g) => g.index).join(', ') || 'none';
      throw new UserError(`--gpus names GPU ${id}, which nvidia-smi does not list (it lists ${known})`);
    }
    return gpu.name;
  };
  const models = slots.map((slot) => [...new Set(slot.map(modelOf))]);
  const distinct = [...new Set(models.flat())];
  if (distinct.length > 1 && !allowMixed) {
    const each = [...new Set(slots.flat())].map((id) => `${id}: ${modelOf(id)}`).join(', ');
    throw new UserError(
      `the GPUs of --gpus are of different models (${each}), so their runs would not be comparable; list GPUs of one model, or pass --allow-mixed-gpus`,
    );
  }
  return models.map((names) => names.join(' + '));
}
