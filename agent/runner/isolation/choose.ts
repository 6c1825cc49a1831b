import fs from 'node:fs';
import { UserError } from '../../errors.ts';
import { probeBwrap } from './probe.ts';

export type IsolationMode = 'auto' | 'strict' | 'none';

export interface Isolation {
  bwrap: boolean;
  /** Said once at start-up when runs will be less isolated than asked for. */
  warning: string | null;
}

/** Decides once per session how runs are isolated: bubblewrap where it works, else say so. */
export async function chooseIsolation(mode: IsolationMode): Promise<Isolation> {
  if (mode === 'none') return { bwrap: false, warning: null };
  const probe = await probeBwrap();
  if (probe.usable) return { bwrap: true, warning: null };
  if (mode === 'strict') throw new UserError(`--isolation strict needs bubblewrap, but ${probe.reason}`);
  return { bwrap: false, warning: `runs are not sandboxed: ${probe.reason}; they get the environment allowlist and a process-group kill only` };
}

/** GPU device nodes to pass through to an isolated run, where the machine has them. */
export function gpuDevices(): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync('/dev');
  } catch (error) {
    // No /dev we may list: no devices to pass through.
    if (!(error instanceof Error && 'code' in error)) throw error;
    return [];
  }
  return names.filter((n) => n.startsWith('nvidia') || n === 'dri' || n === 'kfd').map((n) => `/dev/${n}`);
}
