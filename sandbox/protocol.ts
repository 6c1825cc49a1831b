/**
 * The nightshift protocol, shared by train.ts and the evaluation (read-only, so that an experiment
 * can change the model but not how its budget is counted, how it reports or how it is asked for
 * predictions; docs/design.md is the contract):
 * - environment: NIGHTSHIFT_BUDGET_S (training seconds, default 300), NIGHTSHIFT_SEED,
 *   NIGHTSHIFT_STEPS (the step plan nightshift hands a configuration's later runs), NIGHTSHIFT_OUT,
 *   NIGHTSHIFT_EXPERIMENT_ID, NIGHTSHIFT_DATA, NIGHTSHIFT_TFJS_BACKEND;
 * - `@ns {json}` lines on stdout for the agent;
 * - the step plan and the deadline that turn a time budget into a fixed number of steps;
 * - the predictor's messages: requests on stdin, one `@ns` answer per request on stdout;
 * - one clear stderr line and a non-zero exit on any failure.
 */
import os from 'node:os';
import readline from 'node:readline';
import { z } from 'zod';

/** Bad input (data file, environment, config): exit code 2, like a CLI usage error. */
export class UsageError extends Error {}

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const EnvSchema = z.object({
  NIGHTSHIFT_BUDGET_S: optional(z.coerce.number().positive().finite()),
  NIGHTSHIFT_SEED: optional(
    z.coerce
      .number()
      .int()
      .nonnegative()
      .max(2 ** 31 - 1),
  ),
  NIGHTSHIFT_STEPS: optional(z.coerce.number().int().positive()),
  NIGHTSHIFT_OUT: optional(z.string()),
  NIGHTSHIFT_EXPERIMENT_ID: optional(z.string()),
  NIGHTSHIFT_DATA: optional(z.string()),
  NIGHTSHIFT_TFJS_BACKEND: optional(z.enum(['node-gpu', 'node', 'wasm', 'cpu'])),
});

export interface RunEnv {
  budgetS: number;
  seed: number;
  /** The step plan from an earlier run of this configuration; undefined: time the steps now. */
  steps: number | undefined;
  outDir: string | undefined;
  experimentId: string | undefined;
  dataPath: string | undefined;
  backend: 'node-gpu' | 'node' | 'wasm' | 'cpu' | undefined;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): RunEnv {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${String(issue.path[0])}=${JSON.stringify(env[String(issue.path[0])])} is invalid (${issue.message})`);
  }
  const e = parsed.data;
  return {
    budgetS: e.NIGHTSHIFT_BUDGET_S ?? 300,
    seed: e.NIGHTSHIFT_SEED ?? 0,
    steps: e.NIGHTSHIFT_STEPS,
    outDir: e.NIGHTSHIFT_OUT,
    experimentId: e.NIGHTSHIFT_EXPERIMENT_ID,
    dataPath: e.NIGHTSHIFT_DATA,
    backend: e.NIGHTSHIFT_TFJS_BACKEND,
  };
}

/** One line for the agent; numbers are rounded so the line stays short and stable. */
export function report(fields: Record<string, number | string | boolean | null>): void {
  const rounded = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v]));
  process.stdout.write(`@ns ${JSON.stringify(rounded)}\n`);
}

/**
 * How many optimizer steps this run trains. NIGHTSHIFT_STEPS, when nightshift passes it, is the
 * plan a first run of the same configuration reported: every run of a configuration then trains
 * the same steps, so the same seed prints the same numbers. Without it the steps are timed now
 * (`secondsPerStep`) and the plan is the number that fills the budget.
 */
export async function planSteps(
  budgetS: number,
  given: number | undefined,
  secondsPerStep: () => Promise<number>,
): Promise<{ steps: number; measured: boolean }> {
  if (given !== undefined) return { steps: given, measured: false };
  return { steps: Math.max(1, Math.floor(budgetS / (await secondsPerStep()))), measured: true };
}

/**
 * When training must stop, in performance.now() milliseconds (time since the process started),
 * whatever the plan says: a loaded machine can fall far behind it. Training ends 1.05 × budget + 5 s
 * after it began, and never later than 1.1 × budget + 15 s after the process started, which leaves
 * 5 s to save the model before nightshift's limit (budget + 0.1 × budget + 20 s of wall time) makes
 * the run invalid.
 */
export function trainingDeadline(budgetS: number, trainingStartMs: number): number {
  return Math.min(trainingStartMs + (budgetS * 1.05 + 5) * 1000, (budgetS * 1.1 + 15) * 1000);
}

// ---- The predictor's messages (docs/design.md, "The sequence-model predictor messages") ----

const TokenRows = z.array(z.array(z.number().int().nonnegative()).min(1)).min(1);

export const PredictorRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('info') }).strict(),
  z.object({ op: z.literal('predict'), inputs: TokenRows }).strict(),
]);
export type PredictorRequest = z.infer<typeof PredictorRequest>;

export const InfoAnswer = z.object({ context: z.number().int().positive() }).strict();

export const PredictAnswer = z
  .object({ shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]), logits: z.string() })
  .strict();

/** What train.ts hands the predictor loop: its context length, vocabulary size and forward pass. */
export interface Predictor {
  context: number;
  vocab: number;
  /** ids: B rows of L token ids, row-major → logits [B, L, vocab], row-major. */
  logits(ids: Int32Array, rows: number, length: number): Float32Array;
}

/** float32 little-endian bytes, base64: what the evaluator decodes. */
export function encodeLogits(values: Float32Array): string {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  // Typed arrays use the machine's byte order; the messages are little-endian everywhere.
  return (os.endianness() === 'LE' ? bytes : Buffer.from(bytes).swap32()).toString('base64');
}

export function decodeLogits(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`logits hold ${bytes.length} bytes, not a whole number of float32 values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** Checks one request against the model: equal rows, 1 ≤ L ≤ context, ids inside the vocabulary. */
function inputsOf(inputs: number[][], p: Predictor): { ids: Int32Array; rows: number; length: number } {
  const length = inputs[0]!.length;
  if (inputs.some((row) => row.length !== length)) throw new Error('a predict request has rows of different lengths');
  if (length > p.context) throw new Error(`a predict request has rows of ${length} tokens; the model takes at most ${p.context}`);
  const ids = Int32Array.from(inputs.flat());
  if (ids.some((id) => id >= p.vocab)) throw new Error(`a predict request has a token id outside the vocabulary of ${p.vocab}`);
  return { ids, rows: inputs.length, length };
}

/**
 * The predictor loop: one request per stdin line, one `@ns` answer per request on stdout, in
 * order; returns at the end of stdin. A request it cannot read throws (one stderr line, exit 1).
 */
export async function servePredictions(p: Predictor): Promise<void> {
  for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new Error(`a request is not JSON: ${line.slice(0, 80)}`);
    }
    const parsed = PredictorRequest.safeParse(raw);
    if (!parsed.success) throw new Error(`a request is not an info or predict message: ${line.slice(0, 80)}`);
    const request = parsed.data;
    if (request.op === 'info') {
      process.stdout.write(`@ns ${JSON.stringify({ context: p.context })}\n`);
      continue;
    }
    const { ids, rows, length } = inputsOf(request.inputs, p);
    const logits = p.logits(ids, rows, length);
    process.stdout.write(`@ns ${JSON.stringify({ shape: [rows, length, p.vocab], logits: encodeLogits(logits) })}\n`);
  }
}

/** Runs main; any failure becomes one line on stderr (no stack) and a non-zero exit code. */
export function runMain(script: string, main: () => Promise<void>, explain: (error: Error) => string | undefined): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const line = e instanceof UsageError ? e.message : (explain(e) ?? e.message.split('\n')[0]);
      process.stderr.write(`${script}: ${line}\n`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}
