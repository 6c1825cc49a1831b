import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { Protocol } from '../config/load.ts';
import { bwrapArgs } from './isolation/bwrap-args.ts';
import type { IsolationView } from './isolation/view.ts';
import { cageName, limitHit, openCage, type RunLimits } from './isolation/limits.ts';
import { startDeadline } from './deadline.ts';
import { watchDiskQuota } from './disk-quota.ts';
import { killLeftovers, runMarks } from './leftovers.ts';
import { readLines } from './lines.ts';
import { killedStarting, startedAgainIfRaced } from './own-session.ts';
import { LINE_CAP, outputReader } from './output-reader.ts';
import type { StepMetrics } from '../store/metrics.ts';

export interface TrainingRequest {
  command: string;
  cwd: string;
  env: Record<string, string>;
  budgetS: number;
  /** Seconds past the budget for start-up and evaluation before the run counts as hung. */
  graceS: number;
  logPath: string;
  /** Bytes of output kept in the log file; the rest is still parsed, not stored (default 64 MiB). */
  logCapBytes?: number;
  /** The metric its final line reports; null when the line holds training facts only (an evaluation follows). */
  metric: string | null;
  /** How it reports its final facts: `ns` lines, or autoresearch's summary block (default `ns`). */
  protocol?: Protocol;
  /** Run inside bubblewrap with these read-only folders and devices; null runs it directly. */
  isolation?: IsolationView | null;
  limits?: RunLimits;
  /** Bytes on disk the workspace and NIGHTSHIFT_OUT may hold together; over it the run is killed (absent: no quota). */
  diskQuotaBytes?: number | null;
  onStep?: (step: StepMetrics) => void;
  /** Step lines passed to onStep; later ones are parsed, not forwarded (default 100,000). */
  maxStepRows?: number;
  /** Told the process group id as soon as the script starts. */
  onSpawn?: (pid: number) => void;
  /** Aborting stops the run at once and reports it as interrupted. */
  signal?: AbortSignal;
}

export type TrainingStatus = 'done' | 'crashed' | 'timeout' | 'diverged' | 'interrupted';

export interface TrainingResult {
  status: TrainingStatus;
  metric: number | null;
  /** The last final line, and how many there were (more than one breaks a rule of the measurement). */
  final: Record<string, unknown> | null;
  finalLines: number;
  backend: string | null;
  exitCode: number | null;
  signal: string | null;
  /** Seconds from start to exit, less any time the agent itself was stopped. */
  runS: number;
  /** Why a run did not finish cleanly, in one sentence; null for a clean run. */
  reason: string | null;
  invalidLines: number;
  /** Output lines cut at the line cap. */
  cutLines: number;
  /** Step lines past maxStepRows, not passed to onStep. */
  stepsDropped: number;
  /** Output lines it printed, on either stream. */
  lines: number;
}

const KILL_AFTER_TERM_MS = 3000;
const DEFAULT_LOG_CAP = 64 * 2 ** 20;
// The line that names the failure, rather than a runtime's closing banner ("Node.js v20…").
const ERROR_LINE = /error|exception|traceback|fatal|panic|killed|abort/i;

/** Signals every process in the run's group; the group may already be gone. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: nothing left in the group; EPERM: only processes the agent may not signal (a setuid
    // program) are left, and a run must never crash the agent over them.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH' && code !== 'EPERM') throw error;
  }
}

/** Runs one training command to its end and says how it ended; never throws for the script's faults. */
export function runTraining(req: TrainingRequest): Promise<TrainingResult> {
  return startedAgainIfRaced(
    () => trainOnce(req),
    (result) => {
      const raced = result.status === 'crashed' && killedStarting(result.signal, result.lines > 0);
      if (raced) fs.appendFileSync(req.logPath, `[nightshift] a ${result.signal} killed the run as it started (before it ran): started again\n`);
      return raced;
    },
  );
}

async function trainOnce(req: TrainingRequest): Promise<TrainingResult> {
  const file = fs.createWriteStream(req.logPath, { flags: 'a' });
  // A log that cannot be written (a full disk) loses its text, never the run or the agent.
  file.on('error', () => {});
  const cap = req.logCapBytes ?? DEFAULT_LOG_CAP;
  let logged = 0;
  // A script that prints without end must not fill the disk the log lives on.
  const log = {
    write(text: string) {
      if (logged >= cap) return;
      logged += Buffer.byteLength(text);
      file.write(logged < cap ? text : `[nightshift] log truncated at ${cap} bytes; the rest was parsed, not kept\n`);
    },
    end: (done: () => void) => file.end(done),
  };
  const started = performance.now();
  const limits = req.limits ?? { memoryBytes: null, openFiles: null };
  // A cgroup holds the whole run (memory, processes, and every process it starts) where one can be made.
  const cage = openCage(cageName(req.env.NIGHTSHIFT_EXPERIMENT_ID), limits);
  const command = cage.command(req.command);
  const options = {
    cwd: req.cwd,
    extendEnv: false,
    // Its own process group, so the whole tree can be signalled at once.
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
  } as const;
  const child = req.isolation
    ? execa(...cage.wrap('bwrap', bwrapArgs({ ...req.isolation, workspace: req.cwd, env: req.env, command })), {
        ...options,
        env: { PATH: req.env.PATH ?? '/usr/bin:/bin' },
      })
    : execa(...cage.wrap('/bin/sh', ['-c', command]), { ...options, env: req.env });

  if (child.pid !== undefined) req.onSpawn?.(child.pid);
  const output = outputReader({ log: (text) => log.write(text), onStep: req.onStep, maxStepRows: req.maxStepRows, lineCap: LINE_CAP, protocol: req.protocol });
  const consume = (stream: Readable | null, isStdout: boolean) =>
    !stream ? Promise.resolve() : readLines(stream, LINE_CAP, (line, cut) => output.line(line, cut, isStdout));
  const reading = Promise.all([consume(child.stdout, true), consume(child.stderr, false)]);

  let stopped: 'timeout' | 'interrupted' | null = null;
  const stop = (why: 'timeout' | 'interrupted') => {
    if (stopped) return;
    stopped = why;
    signalGroup(child.pid, 'SIGTERM');
    setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_AFTER_TERM_MS).unref();
  };
  const deadline = startDeadline((req.budgetS + req.graceS) * 1000, () => stop('timeout'), started);
  const onAbort = () => stop('interrupted');
  req.signal?.addEventListener('abort', onAbort, { once: true });
  if (req.signal?.aborted) onAbort();
  // The run's folders share the agent's disk: one that fills them is stopped before the machine is.
  let overQuota: string | null = null;
  const quotaBytes = req.diskQuotaBytes;
  const quota =
    quotaBytes == null
      ? null
      : watchDiskQuota([req.cwd, req.env.NIGHTSHIFT_OUT ?? req.cwd], quotaBytes, () => {
          const size = quotaBytes >= 2 ** 30 ? `${(quotaBytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(quotaBytes / 2 ** 20)} MiB`;
          overQuota = `its disk quota (${size} over the workspace and NIGHTSHIFT_OUT) was reached`;
          log.write(`[nightshift] ${overQuota}: the run is killed\n`);
          signalGroup(child.pid, 'SIGKILL');
          cage.kill();
        });
  // Whatever the script left behind dies with it: its group at once, then the processes that left
  // the group (setsid daemons) by the marks in their environment; they would also hold its output open.
  const marks = runMarks(req.env);
  let sweep: Promise<number> = Promise.resolve(0);
  child.once('exit', () => {
    signalGroup(child.pid, 'SIGKILL');
    cage.kill();
    sweep = killLeftovers(marks);
  });

  const result = await child;
  quota?.stop();
  await reading;
  // Also when bubblewrap's PID namespace already took them: the sweep is cheap and the namespace may be off.
  await sweep;
  await killLeftovers(marks);
  const events = await cage.close();
  deadline.clear();
  req.signal?.removeEventListener('abort', onAbort);
  const runS = (performance.now() - started - deadline.stalledMs()) / 1000;
  await new Promise<void>((resolve) => log.end(resolve));

  const exitCode = result.exitCode ?? null;
  const signal = result.signal ?? null;
  const { tail, ...read } = output.summary();
  const { final } = read;
  const base = { ...read, exitCode, signal, runS, backend: backendOf(final) };
  if (stopped === 'interrupted') return { ...base, status: 'interrupted', metric: null, reason: 'stopped by the user' };
  if (overQuota) return { ...base, status: 'crashed', metric: null, reason: overQuota };
  const outcome = classify(final, req.metric, stopped === 'timeout', req.budgetS + req.graceS, exitCode, signal, tail);
  const limit = outcome.status === 'crashed' ? limitHit(tail, limits, events) : null;
  return { ...base, ...outcome, reason: limit ? `${limit}: ${outcome.reason}` : outcome.reason };
}

export function backendOf(final: Record<string, unknown> | null): string | null {
  return typeof final?.backend === 'string' ? final.backend : null;
}

/** How a run ended, from its final line (if any), its exit and the last lines it printed. */
export function classify(
  final: Record<string, unknown> | null,
  metric: string | null,
  timedOut: boolean,
  limitS: number,
  exitCode: number | null,
  signal: string | null,
  tail: string[],
): Pick<TrainingResult, 'status' | 'metric' | 'reason'> {
  if (final) {
    const note = exitCode !== 0 ? `exited ${signal ?? exitCode} after printing its final line` : null;
    if (metric === null) {
      return final.diverged === true ? { status: 'diverged', metric: null, reason: 'the training diverged' } : { status: 'done', metric: null, reason: note };
    }
    const value = final[metric];
    if (final.diverged === true || value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      return { status: 'diverged', metric: null, reason: `${metric} is ${String(value)}: the run diverged` };
    }
    if (typeof value !== 'number') {
      return { status: 'crashed', metric: null, reason: `the final line has no numeric ${metric}` };
    }
    return { status: 'done', metric: value, reason: note };
  }
  if (timedOut) return { status: 'timeout', metric: null, reason: `killed after ${limitS} s (budget + grace) with no final line` };
  const how = signal ? `killed by ${signal}` : `exited with code ${exitCode}`;
  const last = tail.findLast((line) => ERROR_LINE.test(line)) ?? tail.at(-1);
  return { status: 'crashed', metric: null, reason: `${how} without a final line${last ? `: ${last.slice(0, 300)}` : ''}` };
}
