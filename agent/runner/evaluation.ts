/**
 * The evaluation step of a run (docs/design.md, "One run"): the read-only `evaluate` command,
 * and for a sealed sandbox the editable `predict` command, connected only through nightshift:
 * evaluate's `@ns {"request": …}` stdout lines → predict's stdin, predict's `@ns` stdout lines →
 * evaluate's stdin. Standard streams, because wrappers (tsx, conda run, a shell script) pass
 * those on and nothing else. Only the evaluation's final line sets the metric.
 */
import fs from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { startDeadline } from './deadline.ts';
import { killLeftovers, runMarks } from './leftovers.ts';
import { DEFAULT_LINE_CAP, readLines } from './lines.ts';
import { killedStarting, startedAgainIfRaced } from './own-session.ts';
import { parseLine, PREFIX } from './protocol.ts';
import { signalGroup } from './run-training.ts';

/** One process of the evaluation: a shell command, optionally inside bubblewrap (prebuilt arguments). */
export interface EvaluationProcess {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** bwrap's whole argument list (the command included) to run it isolated; null runs `command` directly. */
  bwrap: string[] | null;
}

export interface EvaluationRequest {
  evaluate: EvaluationProcess;
  /** The predictor of a sealed sandbox; null for a `separate` one (evaluate loads the model itself). */
  predict: EvaluationProcess | null;
  /** Seconds before both processes are killed and the run counts as a timeout. */
  limitS: number;
  /** The run's log file; evaluation output is appended to it. */
  logPath: string;
  metric: string;
  signal?: AbortSignal;
}

export type EvaluationStatus = 'done' | 'crashed' | 'timeout' | 'diverged' | 'invalid' | 'interrupted';

export interface EvaluationResult {
  status: EvaluationStatus;
  metric: number | null;
  /** The evaluation's final line, whole. */
  final: Record<string, unknown> | null;
  /** The best value the evaluation says the metric can reach, when it states one. */
  floor: number | null;
  reason: string | null;
  runS: number;
  /** Request lines relayed to the predictor. */
  requests: number;
}

const KILL_AFTER_TERM_MS = 2000;
const ERROR_LINE = /error|exception|traceback|fatal|panic|killed|abort/i;

// A predictor's answer carries a batch of logits as base64 (about 11 MB for the default sandbox).
const RELAY_LINE_CAP = 256 * 2 ** 20;

type Stdio = readonly ['ignore' | 'pipe', 'pipe', 'pipe', ...Array<'pipe'>];

function start(proc: EvaluationProcess, stdio: Stdio): ResultPromise {
  const options = { cwd: proc.cwd, extendEnv: false, detached: true, reject: false, buffer: false, stdio } as const;
  return proc.bwrap
    ? execa('bwrap', proc.bwrap, { ...options, env: { PATH: proc.env.PATH ?? '/usr/bin:/bin' } })
    : execa(proc.command, { ...options, shell: true, env: proc.env });
}

function lines(stream: Readable | null | undefined, onLine: (line: string) => void, cap = DEFAULT_LINE_CAP): Promise<void> {
  return stream ? readLines(stream, cap, onLine) : Promise.resolve();
}

/** Runs the evaluation to its end and says how it ended; never throws for the scripts' faults. */
export async function runEvaluation(req: EvaluationRequest): Promise<EvaluationResult> {
  return (
    await startedAgainIfRaced(
      () => evaluateOnce(req),
      (once) => once.raced,
    )
  ).result;
}

/** One evaluation; `raced` when a process of it was killed as it started (own-session.ts), so it is worth starting again. */
async function evaluateOnce(req: EvaluationRequest): Promise<{ result: EvaluationResult; raced: boolean }> {
  const log = fs.createWriteStream(req.logPath, { flags: 'a' });
  log.on('error', () => {}); // a full disk loses log text, never the run
  const note = (text: string) => log.write(`[nightshift] ${text}\n`);
  const started = performance.now();
  note(`evaluation: ${req.predict ? `${req.evaluate.command} <-> ${req.predict.command}` : req.evaluate.command}`);

  const evaluator = start(req.evaluate, [req.predict ? 'pipe' : 'ignore', 'pipe', 'pipe']);
  const predictor = req.predict ? start(req.predict, ['pipe', 'pipe', 'pipe']) : null;
  const children = [evaluator, predictor].filter((c): c is ResultPromise => c !== null);
  // A broken pipe is how a dead peer shows; the exit codes say what happened.
  for (const child of children) for (const s of child.stdio) (s as NodeJS.EventEmitter | null)?.on('error', () => {});

  const finals: Array<Record<string, unknown>> = [];
  const printed = { evaluate: 0, predict: 0 };
  const tails = { evaluate: [] as string[], predict: [] as string[] };
  const keep = (tail: string[], line: string) => {
    if (line.trim() === '') return;
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  let requests = 0;
  const toPredictor = predictor?.stdin as Writable | undefined;
  const reading: Array<Promise<void>> = [
    lines(
      evaluator.stdout,
      (line) => {
        printed.evaluate++;
        const request = toPredictor ? requestOf(line) : null;
        if (request !== null) {
          requests++;
          toPredictor!.write(`${request}\n`);
          return;
        }
        log.write(`${line}\n`);
        const parsed = parseLine(line);
        if (parsed.type === 'final') finals.push(parsed.fields);
        else if (parsed.type === 'text') keep(tails.evaluate, line);
      },
      RELAY_LINE_CAP,
    ).then(() => void toPredictor?.end()),
    lines(evaluator.stderr, (line) => {
      printed.evaluate++;
      log.write(`${line}\n`);
      keep(tails.evaluate, line);
    }),
  ];
  if (predictor) {
    const toEvaluator = evaluator.stdin as Writable;
    reading.push(
      lines(
        predictor.stdout,
        (line) => {
          printed.predict++;
          if (line.startsWith(PREFIX)) toEvaluator.write(`${line.slice(PREFIX.length)}\n`);
          else {
            log.write(`${line}\n`);
            keep(tails.predict, line);
          }
        },
        RELAY_LINE_CAP,
      ).then(() => void toEvaluator.end()),
      lines(predictor.stderr, (line) => {
        printed.predict++;
        log.write(`${line}\n`);
        keep(tails.predict, line);
      }),
    );
  }

  let stopped: 'timeout' | 'interrupted' | null = null;
  const stop = (why: 'timeout' | 'interrupted') => {
    if (stopped) return;
    stopped = why;
    for (const child of children) signalGroup(child.pid, 'SIGTERM');
    setTimeout(() => {
      for (const child of children) signalGroup(child.pid, 'SIGKILL');
    }, KILL_AFTER_TERM_MS).unref();
  };
  const deadline = startDeadline(req.limitS * 1000, () => stop('timeout'), started);
  const onAbort = () => stop('interrupted');
  req.signal?.addEventListener('abort', onAbort, { once: true });
  if (req.signal?.aborted) onAbort();
  // The evaluation is over when the evaluator is: a predictor still running has nothing left to answer.
  const evaluated = await evaluator;
  if (predictor && !stopped) setTimeout(() => signalGroup(predictor.pid, 'SIGKILL'), KILL_AFTER_TERM_MS).unref();
  const predicted = predictor ? await predictor : null;
  for (const child of children) signalGroup(child.pid, 'SIGKILL');
  // The predictor is the judged code: whatever it started that left its group goes with it.
  if (req.predict) await killLeftovers(runMarks(req.predict.env));
  await Promise.all(reading);
  deadline.clear();
  req.signal?.removeEventListener('abort', onAbort);
  const exits = [
    [evaluated, printed.evaluate],
    [predicted, printed.predict],
  ] as const;
  const raced = !stopped && finals.length === 0 && exits.some(([exit, lines]) => exit !== null && killedStarting(exit.signal, lines > 0));
  if (raced) note('a process of the evaluation was killed by a terminal signal as it started (before it ran): started again');
  await new Promise<void>((resolve) => log.end(resolve));

  const runS = (performance.now() - started - deadline.stalledMs()) / 1000;
  return { result: judged({ runS, requests, final: finals.at(-1) ?? null, floor: floorOf(finals.at(-1)) }), raced };

  function judged(base: Pick<EvaluationResult, 'runS' | 'requests' | 'final' | 'floor'>): EvaluationResult {
    if (stopped === 'interrupted') return { ...base, status: 'interrupted', metric: null, reason: 'stopped by the user' };
    if (stopped === 'timeout') return { ...base, status: 'timeout', metric: null, reason: `the evaluation was killed after ${req.limitS} s` };
    if (finals.length > 1) return { ...base, status: 'invalid', metric: null, reason: `the evaluation printed ${finals.length} final lines` };
    const final = finals[0];
    if (!final) {
      const predictorFailed = predicted && predicted.exitCode !== 0 && predicted.exitCode !== undefined;
      const [who, result, tail] = predictorFailed ? (['predict', predicted, tails.predict] as const) : (['evaluate', evaluated, tails.evaluate] as const);
      const how = result.signal ? `killed by ${result.signal}` : `exited with code ${result.exitCode}`;
      const last = tail.findLast((line) => ERROR_LINE.test(line)) ?? tail.at(-1);
      return { ...base, status: 'crashed', metric: null, reason: `${who} ${how} before the evaluation's final line${last ? `: ${last.slice(0, 300)}` : ''}` };
    }
    if (typeof final.invalid === 'string') return { ...base, status: 'invalid', metric: null, reason: final.invalid.slice(0, 300) };
    const value = final[req.metric];
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      return { ...base, status: 'diverged', metric: null, reason: `${req.metric} is ${String(value)}: the model's predictions are not finite` };
    }
    if (typeof value !== 'number') return { ...base, status: 'crashed', metric: null, reason: `the evaluation's final line has no numeric ${req.metric}` };
    return { ...base, status: 'done', metric: value, reason: null };
  }
}

/** A request line for the predictor, re-serialised so nothing but one JSON object reaches it; null for any other line. */
function requestOf(line: string): string | null {
  if (!line.startsWith(PREFIX)) return null;
  try {
    const parsed: unknown = JSON.parse(line.slice(PREFIX.length));
    if (typeof parsed === 'object' && parsed !== null && 'request' in parsed) return JSON.stringify(parsed.request);
  } catch (error) {
    // Not JSON: parseLine below counts it as a malformed @ns line.
    if (!(error instanceof SyntaxError)) throw error;
  }
  return null;
}

function floorOf(final: Record<string, unknown> | undefined): number | null {
  const floor = final?.floor;
  return typeof floor === 'number' && Number.isFinite(floor) ? floor : null;
}
