/**
 * The local executor: each run is its wrapper (run-folder.ts) started in a session of its own, so
 * it outlives the agent (kill -9, a closed terminal), and found again by name through its run
 * folder: result.json once it ended, else the recorded pid, checked against the recorded start
 * time, boot and environment so that a recycled pid is never taken for the run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Slot, SlotPool } from './gpu-pool.ts';
import { claim, claimedAt, readRecord, type StartedRecord, writeRecord } from './local-record.ts';
import { bootId, groupMembers, isRunning, processEnviron, processesWithEnv, processStat } from './proc.ts';
import { OUTPUT_LOG, prepareRunFolder, readResult, WRAPPER, wrapperScript } from './run-folder.ts';
import type { Executor, RunSpec, RunStatus } from './types.ts';

type RunRef = Pick<RunSpec, 'name' | 'runDir'>;

export interface LocalExecutorOptions {
  pool: SlotPool;
  /** Milliseconds between TERM and KILL when a run is cancelled (default 10 s). */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 10_000;
// A claim with no record yet is a submit under way for this long; after it, that submit died.
const SUBMIT_UNDER_WAY_MS = 10_000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The entries a run's wrapper carries in its environment: its name, and its folder (names repeat across logs). */
function marks(run: RunRef): string[] {
  return [`NIGHTSHIFT_RUN_NAME=${run.name}`, `NIGHTSHIFT_RUN_DIR=${path.resolve(run.runDir)}`];
}

/** Sends a signal to a process group that may be gone already. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    // ESRCH: the group is gone, which is what a cancel wants.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    // ESRCH: it ended between the scan and the signal.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export class LocalExecutor implements Executor {
  readonly kind = 'local';
  readonly pool: SlotPool;
  private readonly graceMs: number;

  constructor(options: LocalExecutorOptions) {
    this.pool = options.pool;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  }

  get slots(): number {
    return this.pool.slots.length;
  }

  async submit(spec: RunSpec): Promise<RunStatus> {
    // Checks the spec (names, NULs) before anything is claimed, so a bad spec leaves nothing behind.
    wrapperScript(spec);
    const needs = spec.gpus;
    const size = this.pool.slots[0]!.gpus.length;
    if (needs > size) throw new Error(`run ${spec.name} needs ${needs} GPUs and this pool's slots have ${size} each (--gpus, --gpus-per-run)`);
    if (claimedAt(spec.runDir) !== null) return this.existing(spec);
    const slot = await this.freeSlot(spec.name);
    try {
      // The folder must exist for the claim to be made in it.
      fs.mkdirSync(spec.runDir, { recursive: true });
      if (!claim(spec.runDir)) {
        this.pool.release(spec.name);
        return this.existing(spec);
      }
    } catch (error) {
      this.pool.release(spec.name);
      throw error;
    }
    return this.start(spec, slot);
  }

  /** A slot for the run; slots of runs that ended since they were last looked at are freed first. */
  private async freeSlot(name: string): Promise<Slot> {
    let slot = this.pool.acquire(name);
    if (slot) return slot;
    const held = this.pool.held();
    // Holders are looked up by name; their folders are unknown here, so each remembered one is asked.
    await this.status(held.map(({ run }) => this.known.get(run)).filter((ref): ref is RunRef => ref !== undefined));
    slot = this.pool.acquire(name);
    if (slot) return slot;
    throw new Error(
      `all ${this.slots} slots are taken (${this.pool
        .held()
        .map(({ run }) => run)
        .join(', ')}); submit ${name} when one is free`,
    );
  }

  /** Run folders of the runs this executor has submitted or seen running, by name. */
  private readonly known = new Map<string, RunRef>();

  private start(spec: RunSpec, slot: Slot): RunStatus {
    const runDir = path.resolve(spec.runDir);
    this.known.set(spec.name, { name: spec.name, runDir });
    const submittedAt = new Date().toISOString();
    const wrapper = prepareRunFolder(spec);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      NIGHTSHIFT_RUN_NAME: spec.name,
      NIGHTSHIFT_RUN_DIR: runDir,
    };
    // A CPU slot sets none: the wrapper then gives the command an empty CUDA_VISIBLE_DEVICES, hiding every GPU.
    if (slot.gpus.length > 0) env.CUDA_VISIBLE_DEVICES = slot.gpus.join(',');
    let pid: number | undefined;
    try {
      // detached: a session and process group of its own, which neither the agent's death nor its terminal reaches.
      const child = spawn('/bin/sh', [path.basename(wrapper)], { cwd: runDir, env, detached: true, stdio: 'ignore' });
      // A failed start is also reported as an 'error' event; pid undefined says the same, synchronously.
      child.on('error', () => {});
      child.unref();
      pid = child.pid;
    } catch (error) {
      this.pool.release(spec.name);
      writeRecord(runDir, { error: error instanceof Error ? error.message : String(error), submittedAt });
      throw error;
    }
    // Read before this turn of the event loop ends: the wrapper cannot have been reaped yet, only be a zombie.
    const stat = pid === undefined ? null : processStat(pid);
    if (pid === undefined || stat === null) {
      this.pool.release(spec.name);
      const error = `/bin/sh ${WRAPPER} did not start`;
      writeRecord(runDir, { error, submittedAt });
      return { name: spec.name, state: 'vanished', reason: `it could not be started: ${error}` };
    }
    const record: StartedRecord = {
      pid,
      startTicks: stat.startTicks,
      bootId: bootId(),
      slot: slot.index,
      gpus: [...slot.gpus],
      gpuModel: slot.model,
      node: os.hostname(),
      submittedAt,
    };
    writeRecord(runDir, record);
    return { name: spec.name, state: 'running', id: String(pid), node: record.node, gpus: record.gpus, gpuModel: record.gpuModel };
  }

  /** The run an earlier submit started; waits a moment for a submit that is still writing its record. */
  private async existing(spec: RunRef): Promise<RunStatus> {
    for (;;) {
      const status = await this.find(spec);
      // The folder went away under it (removed by hand): nothing of the run is left to find.
      if (status === null) return { name: spec.name, state: 'vanished', reason: 'its run folder was removed while it was being submitted' };
      if (status.state !== 'pending') return status;
      await sleep(POLL_MS);
    }
  }

  async find(spec: RunRef): Promise<RunStatus | null> {
    const claimed = claimedAt(spec.runDir);
    if (claimed === null) return null;
    const status = this.look(spec, claimed);
    this.known.set(spec.name, { name: spec.name, runDir: path.resolve(spec.runDir) });
    if (status.state === 'ended' || status.state === 'vanished') this.pool.release(spec.name);
    return status;
  }

  /** Where a claimed run is: ended, running, a submit under way, or vanished with the reason. */
  private look(spec: RunRef, claimed: Date): RunStatus {
    const { name, runDir } = spec;
    const ended = (): RunStatus | null => {
      const result = readResult(runDir);
      return result && { name, state: 'ended', node: result.node, gpus: result.gpus, result };
    };
    const first = ended();
    if (first) return this.withRecord(first, runDir);
    const record = readRecord(runDir);
    if (record === null) {
      // Claimed, not recorded: a submit is starting it, or died between the spawn and the record.
      const pids = processesWithEnv(marks(spec));
      if (pids.length > 0) return { name, state: 'running', id: String(Math.min(...pids)), node: os.hostname() };
      if (Date.now() - claimed.getTime() < SUBMIT_UNDER_WAY_MS) return { name, state: 'pending', reason: 'its submit is under way' };
      return ended() ?? { name, state: 'vanished', reason: 'the submit that claimed it died before starting it, and no process of it is left' };
    }
    if ('error' in record) return { name, state: 'vanished', reason: `it could not be started: ${record.error}` };
    const known = { id: String(record.pid), node: record.node, gpus: record.gpus, gpuModel: record.gpuModel };
    const alive = this.aliveReason(spec, record);
    if (alive === null) {
      this.pool.adopt(name, record.gpus, record.slot);
      return { name, state: 'running', ...known };
    }
    // It may have written its result and exited since the first look.
    const late = ended();
    if (late) return { ...late, gpuModel: record.gpuModel };
    return { name, state: 'vanished', ...known, reason: alive };
  }

  /** Null when the recorded wrapper still runs; otherwise why it is not the run's (one sentence). */
  private aliveReason(spec: RunRef, record: StartedRecord): string | null {
    const { pid } = record;
    const lost = 'without writing result.json, so it was killed (kill -9, the out-of-memory killer) before its end could be recorded';
    if (record.bootId !== bootId()) return `the machine restarted since its wrapper (pid ${pid}) started, and it left no result.json`;
    const stat = processStat(pid);
    if (!isRunning(stat)) return `its wrapper (pid ${pid}) is gone ${lost}`;
    if (stat.startTicks !== record.startTicks) return `its wrapper (pid ${pid}) is gone ${lost}; the pid now belongs to another process`;
    const environ = processEnviron(pid);
    // Unreadable (another user's process with a recycled pid and start tick): the start time already matched.
    if (environ !== null && !marks(spec).every((mark) => environ.includes(mark))) {
      return `its wrapper (pid ${pid}) is gone ${lost}; the pid now belongs to another process`;
    }
    return null;
  }

  /** A status with the GPU model its record names, when there is a record. */
  private withRecord(status: RunStatus, runDir: string): RunStatus {
    const record = readRecord(runDir);
    return record && !('error' in record) ? { ...status, id: String(record.pid), gpuModel: record.gpuModel } : status;
  }

  async status(specs: readonly RunRef[]): Promise<Map<string, RunStatus>> {
    const found = new Map<string, RunStatus>();
    for (const spec of specs) {
      const status = await this.find(spec);
      found.set(spec.name, status ?? { name: spec.name, state: 'vanished', reason: 'no run of that name was submitted in its run folder' });
    }
    return found;
  }

  /**
   * TERM to the run's whole process group; after the grace period, KILL to every process of the
   * group but the wrapper, so that the wrapper still records how the command ended; the wrapper
   * itself only if it has not done so a moment later. A run that ended is left alone.
   */
  async cancel(spec: RunRef): Promise<void> {
    const status = await this.find(spec);
    if (status?.state !== 'running' || status.id === undefined) return;
    const wrapper = Number(status.id);
    const done = () => readResult(spec.runDir) !== null || !isRunning(processStat(wrapper));
    const waitUntil = async (ms: number, check: () => boolean) => {
      for (const end = Date.now() + ms; !check() && Date.now() < end; ) await sleep(POLL_MS);
    };
    // A wrapper just started may not have set its trap yet, and TERM would kill it unrecorded; its
    // command's log appears only after the trap is set.
    await waitUntil(2000, () => done() || fs.existsSync(path.join(spec.runDir, OUTPUT_LOG)));
    signalGroup(wrapper, 'SIGTERM');
    await waitUntil(this.graceMs, done);
    // Processes that fork while being killed: a few sweeps catch the stragglers.
    for (let sweep = 0; sweep < 20 && !done(); sweep++) {
      const others = groupMembers(wrapper).filter((pid) => pid !== wrapper);
      if (others.length === 0) break;
      for (const pid of others) signalProcess(pid, 'SIGKILL');
      await sleep(POLL_MS);
    }
    await waitUntil(2000, done);
    if (!done()) signalGroup(wrapper, 'SIGKILL');
    await waitUntil(2000, () => !isRunning(processStat(wrapper)));
    this.pool.release(spec.name);
  }
}
