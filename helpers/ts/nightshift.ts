/**
 * nightshift's helper for TypeScript (TensorFlow.js) training scripts: the training-script protocol
 * (docs/design.md, "Training-script protocol" and "Sealed evaluation") in one module.
 *
 * `import … from '@nightshift/helpers'` works in every process nightshift starts: a sandbox's
 * node_modules is nightshift's, which links this folder (package.json, `file:helpers/ts`), and
 * inside bubblewrap the folder is read-only, so no run can change how its budget is counted or how
 * it reports. It imports no framework: TF.js is passed in where memory is asked.
 *
 * TF.js has no global random generator to seed: give each random op a seed made from
 * NIGHTSHIFT_SEED (`tf.randomNormal(shape, 0, std, 'float32', seed * 1000 + n)`), as the default
 * sandbox does.
 *
 *   const env = readEnv();
 *   const plan = await planSteps(env, () => timeSteps(() => trainStep(throwaway), env.budgetS), shapeKey);
 *   plan.start();
 *   for (let step = 0; plan.running(step); ) {
 *     const loss = trainStep(model, schedule(plan.progress(step)));
 *     step++;
 *     if (step % plan.reportEvery === 0) reportStep(step, { train_loss: loss, elapsed_s: plan.elapsedS() });
 *   }
 *   reportFinal({ train_loss: loss, ...plan.facts(step) }, tf);
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { z } from 'zod';

export const PREFIX = '@ns ';

/** Bad input (data file, environment, config): runMain makes it exit code 2, like a CLI usage error. */
export class UsageError extends Error {}

// ---- The environment ----

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
  NIGHTSHIFT_LEAD_STEPS: optional(z.coerce.number().int().positive()),
  NIGHTSHIFT_SHAPE_STEPS: optional(
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not JSON' });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string(), z.number().int().positive())),
  ),
  NIGHTSHIFT_OUT: optional(z.string()),
  NIGHTSHIFT_EXPERIMENT_ID: optional(z.string()),
  NIGHTSHIFT_DATA: optional(z.string()),
  NIGHTSHIFT_CACHE: optional(z.string()),
});

/** What nightshift tells the script. */
export interface RunEnv {
  /** NIGHTSHIFT_BUDGET_S: training seconds (default 300). */
  budgetS: number;
  /** NIGHTSHIFT_SEED (default 0). */
  seed: number;
  /** NIGHTSHIFT_STEPS: the configuration's step plan from its first run; undefined: time the steps now. */
  steps: number | undefined;
  /** NIGHTSHIFT_LEAD_STEPS: the provisional plan that first run began with (its lead-in, see StepPlan), when it had one. */
  leadSteps: number | undefined;
  /**
   * NIGHTSHIFT_SHAPE_STEPS: the steps timed so far per model shape (planSteps' `shape`), for a
   * configuration with no plan yet; `KEY~lead` holds the provisional plan KEY's first run began with.
   */
  shapeSteps: Record<string, number>;
  /** NIGHTSHIFT_OUT: where training writes what predict loads. */
  outDir: string | undefined;
  experimentId: string | undefined;
  /** NIGHTSHIFT_DATA: a user corpus, when the sandbox names one. */
  dataPath: string | undefined;
  /** NIGHTSHIFT_CACHE: what the sandbox's prepare command made once for the session (read-only to a run), when it did. */
  cacheDir: string | undefined;
}

/** The protocol's variables (from process.env unless given). Empty counts as unset; a malformed one throws UsageError naming it. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): RunEnv {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const name = String(parsed.error.issues[0]!.path[0]);
    throw new UsageError(`${name}=${JSON.stringify(env[name])} is invalid (${parsed.error.issues[0]!.message})`);
  }
  const e = parsed.data;
  return {
    budgetS: e.NIGHTSHIFT_BUDGET_S ?? 300,
    seed: e.NIGHTSHIFT_SEED ?? 0,
    steps: e.NIGHTSHIFT_STEPS,
    leadSteps: e.NIGHTSHIFT_LEAD_STEPS,
    shapeSteps: e.NIGHTSHIFT_SHAPE_STEPS ?? {},
    outDir: e.NIGHTSHIFT_OUT,
    experimentId: e.NIGHTSHIFT_EXPERIMENT_ID,
    dataPath: e.NIGHTSHIFT_DATA,
    cacheDir: e.NIGHTSHIFT_CACHE,
  };
}

// ---- `@ns` lines ----

type Field = number | string | boolean | null;

/** One `@ns` line on stdout; non-integers are rounded to 6 significant digits so the line stays short and stable. */
export function report(fields: Record<string, Field>): void {
  const rounded = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v]));
  process.stdout.write(`${PREFIX}${JSON.stringify(rounded)}\n`);
}

/** A step line: the step number, then what the script measures (train_loss, elapsed_s, tokens_per_s…). */
export function reportStep(step: number, fields: Record<string, Field>): void {
  report({ step, ...fields });
}

/**
 * The final line, printed once at the end: the metric (self-reported sessions) or the training
 * facts (sealed ones: steps, planned_steps, params, train_loss…); peak_mem_mb is added (peakMemMb)
 * unless given. A second final line makes the run invalid.
 */
export function reportFinal(fields: Record<string, Field>, tf?: TensorMemory): void {
  report({ final: true, ...fields, ...('peak_mem_mb' in fields ? {} : { peak_mem_mb: peakMemMb(tf) }) });
}

// ---- Peak memory ----

/** What peakMemMb reads of TF.js: pass `tf` itself. */
export interface TensorMemory {
  memory(): { numBytes: number };
}

/**
 * The run's peak memory in MiB: this process's peak resident set, or the bytes TF.js holds in
 * tensors now when `tf` is given and that is more (a GPU backend's tensors are outside the
 * process's memory; TF.js keeps no peak, so call this where tensors are at their most).
 */
export function peakMemMb(tf?: TensorMemory): number {
  // resourceUsage().maxRSS is in KiB.
  return Math.max(process.resourceUsage().maxRSS / 2 ** 10, (tf?.memory().numBytes ?? 0) / 2 ** 20);
}

// ---- The budget: a step plan and a deadline ----

/**
 * When training must stop, in performance.now() milliseconds (time since the process started),
 * whatever the plan says: 1.1 × budget + 15 s after the process started, which leaves 5 s to save
 * the model before nightshift's limit (1.1 × budget + 20 s of the run's wall time) makes the run
 * invalid. It was 1.05 × budget + 5 s after training began: on a loaded machine (steps ±15 % slower
 * than when the plan was timed) runs stopped short of a plan they could still finish validly, so
 * they trained fewer steps than the other runs of their configuration. The plan, not the clock,
 * makes runs comparable; the deadline only keeps a run valid.
 */
export function trainingDeadline(budgetS: number): number {
  return (budgetS * 1.1 + 15) * 1000;
}

/**
 * Seconds per training step for a provisional plan: calls step() (one step of a throwaway model of
 * this configuration) once untimed (kernel set-up, the JIT's first pass), then times at least 3
 * steps and min(1 s, budget/20). step must wait for its result (dataSync). The estimate is rough
 * (TF.js on wasm runs its first 16 or so steps 1.5 to 2.5 times slower than the rest): StepPlan
 * corrects it from the real model's own steps during the lead-in, so the timing here is short.
 * It timed 5 s of warm-up and a thirtieth of the budget before, 15 s of every first run's 300.
 */
export function timeSteps(step: () => unknown, budgetS: number): number {
  step();
  const start = performance.now();
  let steps = 0;
  while (steps < 3 || (performance.now() - start) / 1000 < Math.min(1, budgetS / 20)) {
    step();
    steps++;
  }
  return (performance.now() - start) / 1000 / steps;
}

/** A lead-in covers the first 1/LEAD_PARTS of the schedule. */
const LEAD_PARTS = 20;

/** The steps of a lead-in on a provisional plan of `lead` steps. */
export function leadInSteps(lead: number): number {
  return Math.ceil(lead / LEAD_PARTS);
}

/**
 * How many steps this run trains, and its schedule. A configuration's first run begins on a
 * provisional plan (`lead` steps, from a short timing) and trains the real model from its first
 * step: the lead-in, leadInSteps(lead) steps that cover the schedule's first twentieth. Timed on
 * those real steps (their second half, after the slow first ones), the plan is then set so that
 * training fills the budget, and the rest of the schedule is spread over the remaining steps. The
 * final line reports both (planned_steps, plan_lead); nightshift hands them to every later run of
 * the configuration (NIGHTSHIFT_STEPS, NIGHTSHIFT_LEAD_STEPS), which replays the same lead-in and
 * the same steps: the same seed prints the same numbers, and the timing was training, not
 * overhead. A plan without a lead (given alone) spreads the schedule evenly over its steps.
 */
export class StepPlan {
  private startMs: number | null = null;
  private deadlineMs = 0;
  private lastMs = 0;
  private halfMs = 0;
  private stoppedAt: number | null = null;

  constructor(
    /** The planned steps; while a measured plan is in its lead-in, the provisional plan. */
    public steps: number,
    /** true: timed by this run (re-planned after its lead-in); false: NIGHTSHIFT_STEPS or NIGHTSHIFT_SHAPE_STEPS. */
    readonly measured: boolean,
    readonly budgetS: number,
    /** The model shape's key, when the script gave one: reported so that nightshift reuses the plan for the shape. */
    readonly shape?: string,
    /** The provisional plan of the lead-in, if the plan has one. */
    readonly lead?: number,
  ) {}

  /** Steps of the lead-in (0 without one). */
  get leadIn(): number {
    return this.lead === undefined ? 0 : leadInSteps(this.lead);
  }

  /**
   * Steps between step lines: about one per 1.5 s of the budget, so a run's step rows stay a few
   * hundred whatever its speed; from the lead when there is one, so that a re-plan does not move
   * them and every run of the configuration reports the same steps.
   */
  get reportEvery(): number {
    return Math.max(1, Math.round(((this.lead ?? this.steps) * 1.5) / this.budgetS));
  }

  /** Starts training's clock and deadline; call it right before the first step. */
  start(): this {
    this.startMs = performance.now();
    this.lastMs = this.startMs;
    this.deadlineMs = trainingDeadline(this.budgetS);
    return this;
  }

  /**
   * Whether to train step number `step` (0-based); call it before every step. No when the plan is
   * done, or when the step would end past the deadline (judged by the last step's time): the run
   * then stops and says so (facts' `stopped`). A measured plan is re-planned here at the lead-in's end.
   */
  running(step: number): boolean {
    if (this.startMs === null) throw new Error('StepPlan.running() before start()');
    const now = performance.now();
    if (this.measured && this.lead !== undefined) {
      if (step === Math.floor(this.leadIn / 2)) this.halfMs = now;
      if (step === this.leadIn) this.replan(now);
    }
    const stepMs = now - this.lastMs;
    this.lastMs = now;
    if (step >= this.steps) return false;
    if (now + stepMs > this.deadlineMs) {
      this.stoppedAt ??= step;
      return false;
    }
    return true;
  }

  /** The plan that fills the budget: the lead-in's steps and time, then the rest at the lead-in's second half's pace. */
  private replan(now: number): void {
    const timed = this.leadIn - Math.floor(this.leadIn / 2);
    const perStepS = (now - this.halfMs) / 1000 / timed;
    const leftS = this.budgetS - (now - this.startMs!) / 1000;
    this.steps = this.leadIn + Math.max(0, Math.floor(leftS / perStepS));
  }

  /** The schedule's position: the fraction of the budget that `step` steps make, 0 to 1 (warm-up and decay end with the budget). */
  progress(step: number): number {
    if (this.lead === undefined) return Math.min(1, step / this.steps);
    const leadIn = this.leadIn;
    if (step < leadIn) return step / this.lead;
    const done = leadIn / this.lead;
    return this.steps <= leadIn ? 1 : Math.min(1, done + ((step - leadIn) * (1 - done)) / (this.steps - leadIn));
  }

  /** Seconds since start(). */
  elapsedS(): number {
    return this.startMs === null ? 0 : (performance.now() - this.startMs) / 1000;
  }

  /**
   * The final line's budget facts: steps trained, planned_steps (what nightshift records as the
   * plan), elapsed_s, plan_lead and plan_shape when the plan has them, and stopped: 'deadline' when
   * the deadline ended training before the plan did.
   */
  facts(step: number): { steps: number; planned_steps: number; elapsed_s: number; plan_lead?: number; plan_shape?: string; stopped?: 'deadline' } {
    return {
      steps: step,
      planned_steps: this.steps,
      elapsed_s: this.elapsedS(),
      ...(this.lead === undefined ? {} : { plan_lead: this.lead }),
      ...(this.shape === undefined ? {} : { plan_shape: this.shape }),
      ...(this.stoppedAt === null ? {} : { stopped: 'deadline' as const }),
    };
  }
}

/**
 * The step plan: env.steps (and its lead, env.leadSteps) when nightshift passed one; else the steps
 * a configuration of the same `shape` was planned at (env.shapeSteps, with its `~lead`); else a
 * provisional plan of budget / secondsPerStep(), called only then, which the lead-in corrects.
 * `shape` is a key for what a step costs (the code and the tensor shapes, not the learning rate).
 */
export async function planSteps(
  env: Pick<RunEnv, 'budgetS' | 'steps'> & Partial<Pick<RunEnv, 'shapeSteps' | 'leadSteps'>>,
  secondsPerStep: () => number | Promise<number>,
  shape?: string,
): Promise<StepPlan> {
  if (env.steps !== undefined) return new StepPlan(env.steps, false, env.budgetS, shape, env.leadSteps);
  const known = shape === undefined ? undefined : env.shapeSteps?.[shape];
  if (known !== undefined) return new StepPlan(known, false, env.budgetS, shape, env.shapeSteps?.[`${shape}~lead`]);
  const provisional = Math.max(1, Math.floor(env.budgetS / (await secondsPerStep())));
  return new StepPlan(provisional, true, env.budgetS, shape, provisional);
}

// ---- Checkpoints: what training leaves in NIGHTSHIFT_OUT for predict ----

export const META_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

const CheckpointFile = z.object({ meta: z.unknown(), sizes: z.array(z.number().int().nonnegative()) }).strict();

function outDirOf(outDir: string | undefined): string {
  const dir = outDir ?? readEnv().outDir;
  if (dir === undefined) throw new UsageError('NIGHTSHIFT_OUT is not set: the model is saved there by training and loaded from there by predict');
  return dir;
}

/** Typed arrays use the machine's byte order; files and messages are little-endian everywhere (a big-endian machine gets a swapped copy). */
function littleEndian(float32Bytes: Buffer): Buffer {
  return os.endianness() === 'LE' ? float32Bytes : Buffer.from(float32Bytes).swap32();
}

/** Little-endian float32 bytes as numbers, on any machine and at any offset (a Buffer need not be 4-byte aligned). */
function float32LE(bytes: Buffer): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Float32Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => view.getFloat32(i * 4, true));
}

/** Writes through a temporary file and a rename, so predict never loads half a model. */
function replaceFile(file: string, data: string | Uint8Array): void {
  fs.writeFileSync(`${file}.tmp`, data);
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * Saves what predict needs into outDir (NIGHTSHIFT_OUT by default): meta, JSON (the config the
 * weights belong to, the vocabulary, shapes…), in model.json, and the arrays, one after another as
 * little-endian float32, in weights.bin.
 */
export function saveCheckpoint(meta: unknown, arrays: readonly Float32Array[], outDir?: string): void {
  const dir = outDirOf(outDir);
  fs.mkdirSync(dir, { recursive: true });
  const all = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  arrays.reduce((offset, a) => (all.set(a, offset), offset + a.length), 0);
  replaceFile(path.join(dir, WEIGHTS_FILE), littleEndian(Buffer.from(all.buffer)));
  replaceFile(path.join(dir, META_FILE), JSON.stringify({ meta, sizes: arrays.map((a) => a.length) }));
}

/** meta and the arrays as saveCheckpoint left them; throws one line saying what is missing or malformed. */
export function loadCheckpoint(outDir?: string): { meta: unknown; arrays: Float32Array[] } {
  const dir = outDirOf(outDir);
  let file: z.infer<typeof CheckpointFile>;
  let bytes: Buffer;
  try {
    file = CheckpointFile.parse(JSON.parse(fs.readFileSync(path.join(dir, META_FILE), 'utf8')));
    bytes = fs.readFileSync(path.join(dir, WEIGHTS_FILE));
  } catch (error) {
    throw new Error(`no readable model in NIGHTSHIFT_OUT=${dir} (${(error as Error).message.split('\n')[0]}): did training finish?`);
  }
  const total = file.sizes.reduce((n, s) => n + s, 0);
  if (bytes.length !== total * 4) throw new Error(`${WEIGHTS_FILE} in ${dir} holds ${bytes.length} bytes, ${META_FILE} says ${total * 4}`);
  const all = float32LE(bytes);
  let offset = 0;
  return { meta: file.meta, arrays: file.sizes.map((size) => all.subarray(offset, (offset += size))) };
}

// ---- The predictor's messages (docs/design.md, "The sequence-model predictor messages") ----

const TokenRows = z.array(z.array(z.number().int().nonnegative()).min(1)).min(1);

/** A request from the evaluation: the predictor's context length, or logits for token rows. */
export const PredictorRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('info') }).strict(),
  z.object({ op: z.literal('predict'), inputs: TokenRows }).strict(),
]);
export type PredictorRequest = z.infer<typeof PredictorRequest>;

/** The answer to an info request. */
export const InfoAnswer = z.object({ context: z.number().int().positive() }).strict();

/** The answer to a predict request: logits [B, L, vocab], encoded by encodeLogits. */
export const PredictAnswer = z
  .object({ shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]), logits: z.string() })
  .strict();

/** What the predictor loop needs of a model: its context length, vocabulary size and forward pass. */
export interface Predictor {
  context: number;
  vocab: number;
  /** ids: B rows of L token ids, row-major → logits [B, L, vocab], row-major; position t may depend on tokens 0..t only. */
  logits(ids: Int32Array, rows: number, length: number): Float32Array;
}

/** float32 little-endian bytes, base64: what the evaluator decodes. */
export function encodeLogits(values: Float32Array): string {
  return littleEndian(Buffer.from(values.buffer, values.byteOffset, values.byteLength)).toString('base64');
}

/** The inverse of encodeLogits. */
export function decodeLogits(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`logits hold ${bytes.length} bytes, not a whole number of float32 values`);
  return float32LE(bytes);
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
 * The predictor loop of a sealed evaluation: one request per line of `input` (stdin by default),
 * one `@ns` answer per request on stdout, in order; returns at the input's end. A request it
 * cannot read throws (runMain: one stderr line, exit 1).
 */
export async function servePredictions(p: Predictor, input: NodeJS.ReadableStream = process.stdin): Promise<void> {
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
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
      process.stdout.write(`${PREFIX}${JSON.stringify({ context: p.context })}\n`);
      continue;
    }
    const { ids, rows, length } = inputsOf(request.inputs, p);
    const logits = p.logits(ids, rows, length);
    process.stdout.write(`${PREFIX}${JSON.stringify({ shape: [rows, length, p.vocab], logits: encodeLogits(logits) })}\n`);
  }
}

// ---- Failing in one line ----

/**
 * Runs main; any failure becomes one line on stderr (`script: …`, no stack) and a non-zero exit
 * code: 2 for UsageError, 1 for anything else. explain may turn an error into a sentence that says
 * what to do.
 */
export function runMain(script: string, main: () => Promise<void>, explain: (error: Error) => string | undefined = () => undefined): void {
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
