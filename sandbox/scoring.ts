/**
 * The metric and the causality probe (hidden: only the evaluation has this file). It reaches the
 * model only through predictor messages (@nightshift/helpers), so the numbers never come from code an
 * experiment can edit.
 *
 * val_bpb: bits per character over every character of the validation text. A model with context
 * length T reads windows of exactly T characters taken from context ++ val. Windows advance by
 * S = ceil(T/2) and each scores only its last S targets (the first window's scored targets start
 * at val[0]), so every validation character is scored exactly once, with between T-S+1 and T
 * characters of context. The predictor never sees a target: every scored token is the one after
 * an input position. The log-softmax is taken here, so the scores are always normalised.
 *
 * Requests go one at a time, each after the previous answer, and a request's rows come from 16
 * contiguous segments of the text (its j-th window from each), in order. So the predictor cannot
 * read the rest of the text ahead on stdin, and a row's targets are never in another row of the
 * same request: they first show up as inputs of a later request. What a predictor that remembers
 * every request could still learn early is the text just before each segment's start (the targets
 * of the previous segment's last window or two: about 3% of val at the default context), and the
 * probe's windows.
 *
 * The probe (docs/design.md): a sample of windows drawn with the evaluation's own randomness is
 * sent again, untouched and with every token after a random cut replaced by random tokens, both
 * mixed among the main requests at random places. A causal model's predictions up to the cut
 * cannot change, nor can the untouched window's differ from its main-pass prediction.
 */
import { decodeLogits, InfoAnswer, PredictAnswer, type PredictorRequest } from '@nightshift/helpers';
import type { Validation } from './validation.ts';

/** Rows per predict request, as the in-process evaluation had it. */
export const EVAL_BATCH = 16;
/**
 * A request's answer holds rows × T × V float32 values, base64 in one line; past this many values
 * a request has fewer rows, so one line stays well under a MiB for long contexts and large
 * vocabularies. Batching changes no score: each row's logits depend on that row alone.
 */
const MAX_ANSWER_VALUES = 131_072;
export const PROBE_WINDOWS = 16;
/** How far (nats) a log-probability may move between two passes over the same tokens: float noise. */
export const PROBE_TOLERANCE = 1e-3;
export const FUTURE_TOKENS = 'predictions depend on future tokens';

/** The answers' transport: evaluate.ts's pipes, or a test's function calls. */
export interface Channel {
  send(request: PredictorRequest): void;
  /** No more requests: the predictor may exit once it has answered them. */
  close(): void;
  /** The next answer line, in request order; null once the predictor stopped answering. */
  receive(): Promise<string | null>;
}

/** A uniform integer in [0, n): crypto.randomInt in evaluate.ts, never the run's seed. */
export type Random = (n: number) => number;

export type Outcome = { valBpb: number | null } | { invalid: string };

export interface Timing {
  /** performance.now() when the predictor answered `info`: it had started and loaded its model. */
  readyMs: number;
  /** Seconds spent waiting for main-pass answers and scoring them. */
  scoringS: number;
  /** Seconds spent on the probe's requests. */
  probeS: number;
  requests: { main: number; probe: number };
}

/** A malformed or missing answer: evaluate.ts says so on stderr and exits 1. */
export class AnswerError extends Error {}

export interface Window {
  /** Index in context ++ val of the window's first input token. */
  start: number;
  /** How many of its last targets the window scores. */
  scored: number;
}

/** The windows that score every character of val once (see the top of this file). */
export function windows(contextLength: number, valLength: number, T: number): Window[] {
  const S = Math.ceil(T / 2);
  const end = contextLength + valLength;
  const list: Window[] = [];
  for (let a = contextLength; a < end; a += S) {
    const e = Math.min(a + S, end);
    list.push({ start: e - 1 - T, scored: e - a });
  }
  return list;
}

/** log-softmax of one position's logits, in float64. */
function logSoftmax(logits: Float32Array, offset: number, V: number): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < V; j++) max = Math.max(max, logits[offset + j]!);
  let sum = 0;
  for (let j = 0; j < V; j++) sum += Math.exp(logits[offset + j]! - max);
  const lse = max + Math.log(sum);
  return Float64Array.from({ length: V }, (_, j) => logits[offset + j]! - lse);
}

/** Largest |a - b| over positions [0, upTo) of two rows' log-softmax tables. */
function largestGap(a: Float64Array[], b: Float64Array[], upTo: number): number {
  let gap = 0;
  for (let t = 0; t < upTo; t++) for (let j = 0; j < a[t]!.length; j++) gap = Math.max(gap, Math.abs(a[t]![j]! - b[t]![j]!));
  return gap;
}

function sampleWithout(n: number, k: number, random: Random): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + random(n - i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, k);
}

interface Probe {
  window: number;
  /** Positions [0, cut] keep their tokens; the rest are random. */
  cut: number;
  altered: number[];
}

/** One request and what its rows are: main-pass windows, or probe rows. */
type Planned = { kind: 'main'; windows: number[] } | { kind: 'probe'; rows: Array<{ probe: number; altered: boolean }> };

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/**
 * Reads the context length (the `info` request is already sent: evaluate.ts sends it first, so the
 * predictor loads its model while the validation text is built), then sends each request after the
 * previous answer, scores the answers and runs the probe.
 */
export async function score(v: Validation, channel: Channel, random: Random): Promise<{ outcome: Outcome; timing: Timing }> {
  let received = 0;
  const next = async (expected: number): Promise<unknown> => {
    const line = await channel.receive();
    if (line === null) throw new AnswerError(`the predictor stopped answering after ${received} of ${expected} answers`);
    received++;
    try {
      return JSON.parse(line);
    } catch {
      throw new AnswerError(`answer ${received} is not JSON: ${line.slice(0, 80)}`);
    }
  };
  const info = InfoAnswer.safeParse(await next(1));
  if (!info.success) throw new AnswerError('answer 1 (to info) is not {"context": T}');
  const readyMs = performance.now();
  const T = info.data.context;
  const C = v.context.length;
  if (T > C) throw new AnswerError(`the predictor's context is ${T} tokens; the evaluation provides at most ${C}`);
  const V = v.vocab.length;
  const ids = new Int32Array(C + v.val.length);
  ids.set(v.context, 0);
  ids.set(v.val, C);
  const list = windows(C, v.val.length, T);
  const row = (w: number) => [...ids.subarray(list[w]!.start, list[w]!.start + T)];
  const batch = Math.max(1, Math.min(EVAL_BATCH, Math.floor(MAX_ANSWER_VALUES / (T * V))));

  const probes: Probe[] = sampleWithout(list.length, Math.min(PROBE_WINDOWS, list.length), random).map((w) => {
    // With T = 1 there is no later token to change; the untouched comparison still runs.
    const cut = T > 1 ? random(T - 1) : 0;
    return { window: w, cut, altered: row(w).map((id, t) => (t <= cut ? id : random(V))) };
  });
  const probeRows = sampleWithout(probes.length * 2, probes.length * 2, random).map((i) => ({ probe: i >> 1, altered: (i & 1) === 1 }));
  const segment = Math.ceil(list.length / batch);
  const plan: Planned[] = Array.from({ length: segment }, (_, j) => ({
    kind: 'main',
    windows: Array.from({ length: batch }, (_, s) => s * segment + j).filter((w) => w < list.length),
  }));
  for (const rows of chunks(probeRows, batch)) plan.splice(random(plan.length + 1), 0, { kind: 'probe', rows });

  const probed = new Map(probes.map((p, i) => [p.window, i]));
  const mainTables: Float64Array[][] = [];
  const probeTables = probes.map(() => ({ untouched: [] as Float64Array[], altered: [] as Float64Array[] }));
  const table = (logits: Float32Array, r: number) => Array.from({ length: T }, (_, t) => logSoftmax(logits, (r * T + t) * V, V));
  let nats = 0;
  let finite = true;
  let last = readyMs;
  const timing: Timing = { readyMs, scoringS: 0, probeS: 0, requests: { main: 0, probe: 0 } };
  for (const p of plan) {
    const inputs = p.kind === 'main' ? p.windows.map(row) : p.rows.map((r) => (r.altered ? probes[r.probe]!.altered : row(probes[r.probe]!.window)));
    channel.send({ op: 'predict', inputs });
    const rows = inputs.length;
    const answer = PredictAnswer.safeParse(await next(plan.length + 1));
    if (!answer.success) throw new AnswerError(`answer ${received} is not {"shape": [B, L, V], "logits": "<base64>"}`);
    const { shape } = answer.data;
    if (shape.join() !== [rows, T, V].join()) throw new AnswerError(`answer ${received} has shape [${shape.join(', ')}], expected [${rows}, ${T}, ${V}]`);
    const logits = decodeLogits(answer.data.logits);
    if (logits.length !== rows * T * V) throw new AnswerError(`answer ${received} holds ${logits.length} logits, its shape says ${rows * T * V}`);
    finite &&= logits.every(Number.isFinite);
    if (p.kind === 'main') {
      p.windows.forEach((w, r) => {
        const { start, scored } = list[w]!;
        for (let t = T - scored; t < T; t++) nats -= logSoftmax(logits, (r * T + t) * V, V)[ids[start + t + 1]!]!;
        const i = probed.get(w);
        if (i !== undefined) mainTables[i] = table(logits, r);
      });
    } else {
      p.rows.forEach((r, k) => {
        probeTables[r.probe]![r.altered ? 'altered' : 'untouched'] = table(logits, k);
      });
    }
    const now = performance.now();
    timing[p.kind === 'main' ? 'scoringS' : 'probeS'] += (now - last) / 1000;
    timing.requests[p.kind]++;
    last = now;
  }
  channel.close();
  // Non-finite logits are a diverged model, not a cheat: the probe's comparisons mean nothing then.
  if (!finite) return { outcome: { valBpb: null }, timing };
  const causal = probes.every(
    (p, i) =>
      largestGap(mainTables[i]!, probeTables[i]!.untouched, T) <= PROBE_TOLERANCE &&
      largestGap(probeTables[i]!.untouched, probeTables[i]!.altered, p.cut + 1) <= PROBE_TOLERANCE,
  );
  if (!causal) return { outcome: { invalid: FUTURE_TOKENS }, timing };
  return { outcome: { valBpb: nats / Math.LN2 / v.val.length }, timing };
}
