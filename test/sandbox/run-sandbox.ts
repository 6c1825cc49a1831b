/**
 * Runs a copy of the tfjs sandbox as the agent would, with config lines edited, and reads its @ns
 * lines: training in a workspace (editable + read-only files), then the sealed evaluation through
 * the runner's relay, with evaluate.ts in a folder of its own (read-only + hidden files).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { runEvaluation, type EvaluationResult } from '../../agent/runner/evaluation.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SANDBOX = path.join(ROOT, 'sandbox');
export const FIXTURES = path.join(ROOT, 'test/fixtures/data');
const BIN = path.join(ROOT, 'node_modules/.bin');

const SandboxConfig = z.object({
  command: z.string(),
  predict: z.string(),
  evaluate: z.string(),
  prepare: z.string(),
  editable: z.array(z.string()),
  readonly: z.array(z.string()),
  hidden: z.array(z.string()),
});
/** The default sandbox's commands and file lists, from its nightshift.json: the tests run what nightshift runs. */
export const CONFIG = SandboxConfig.parse(JSON.parse(fs.readFileSync(path.join(SANDBOX, 'nightshift.json'), 'utf8')));

export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line of nightshift.json through the shell, as the runner does, with `input` on stdin. */
export function shell(command: string, options: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number; input?: string }): Promise<ShellResult> {
  const { input = '', ...rest } = options;
  return new Promise((resolve) => {
    const child = execFile('/bin/sh', ['-c', command], { maxBuffer: 64 << 20, ...rest }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/** Training's final line: facts only; the metric comes from the evaluation. */
export const FinalLine = z
  .object({
    final: z.literal(true),
    diverged: z.literal(true).optional(),
    train_loss: z.number().nonnegative().nullable(),
    steps: z.number().int().positive(),
    planned_steps: z.number().int().positive(),
    plan_shape: z.string().regex(/^[0-9a-f]{16}$/),
    plan_lead: z.number().int().positive().optional(),
    stopped: z.literal('deadline').optional(),
    params: z.number().int().positive(),
    tokens_per_s: z.number().positive(),
    elapsed_s: z.number().positive(),
    backend: z.enum(['node-gpu', 'node', 'wasm', 'cpu']),
    peak_mem_mb: z.number().positive(),
  })
  .strict();

export const StepLine = z
  .object({ step: z.number().int().positive(), elapsed_s: z.number().positive(), train_loss: z.number(), tokens_per_s: z.number().positive() })
  .strict();

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  steps: Array<z.infer<typeof StepLine>>;
  /** How many final lines it printed: nightshift makes a run with more than one invalid. */
  finalLines: number;
  /** The final line, when there is exactly one. */
  final: z.infer<typeof FinalLine> | null;
}

/** A small model for runs that only need to work, not to learn much. */
export const SMALL = { layers: 1, dModel: 32, heads: 2, blockSize: 32, batchSize: 8 };

/** Rewrites the literal of each `name: literal, // @…` line of train.ts. */
export function editConfig(source: string, edits: Record<string, string | number | boolean>): string {
  let text = source;
  for (const [name, value] of Object.entries(edits)) {
    const literal = typeof value === 'string' ? `'${value}'` : String(value);
    const line = new RegExp(`^(\\s*${name}: )[^,]+(,\\s*//)`, 'm');
    if (!line.test(text)) throw new Error(`train.ts has no config line for ${name}`);
    text = text.replace(line, `$1${literal}$2`);
  }
  return text;
}

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** The evaluation's final line (docs/design.md, "One run"). */
export const EvalFinal = z.union([
  z.object({ final: z.literal(true), val_bpb: z.number().positive().nullable(), floor: z.number().positive().optional() }).strict(),
  z.object({ final: z.literal(true), invalid: z.string() }).strict(),
]);

function copyFiles(files: string[], prefix: string): string {
  const dir = tempDir(prefix);
  for (const file of files) fs.copyFileSync(path.join(SANDBOX, file), path.join(dir, file));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The evaluation's folder: read-only and hidden files, node_modules linked; never editable code. */
export function evaluationDir(): string {
  return copyFiles([...CONFIG.readonly, ...CONFIG.hidden], 'ns-eval-');
}

/**
 * A fresh workspace as the agent makes one: editable and read-only files of sandbox/ (never the
 * hidden ones), node_modules linked, train.ts edited.
 */
export function copySandbox(edits: Record<string, string | number | boolean> = {}, patch?: (train: string) => string): string {
  const dir = copyFiles([...CONFIG.editable, ...CONFIG.readonly], 'ns-sandbox-');
  const train = editConfig(fs.readFileSync(path.join(dir, 'train.ts'), 'utf8'), edits);
  fs.writeFileSync(path.join(dir, 'train.ts'), patch ? patch(train) : train);
  return dir;
}

/** Runs the sandbox's training command in dir with only the protocol variables, a private TMPDIR and the given extras. */
export async function runTrain(dir: string, env: Record<string, string>, tmpdir: string, timeoutMs = 120_000): Promise<RunResult> {
  const fullEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.homedir(), TMPDIR: tmpdir, ...env };
  const { code, stdout, stderr } = await shell(CONFIG.command, { cwd: dir, env: fullEnv, timeout: timeoutMs });
  const lines = stdout.split('\n').filter((l) => l.startsWith('@ns '));
  const parsed = lines.map((l) => JSON.parse(l.slice(4)) as Record<string, unknown>);
  const finals = parsed.filter((o) => o.final === true);
  return {
    code,
    stdout,
    stderr,
    steps: parsed.filter((o) => o.final !== true).map((o) => StepLine.parse(o)),
    finalLines: finals.length,
    final: finals.length === 1 ? FinalLine.parse(finals[0]) : null,
  };
}

/** The stderr lines a run printed, minus TensorFlow.js's own banner. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/^=+$|^Hi, looks like you are running TensorFlow\.js in Node\.js/.test(l));
}

export interface SealedResult {
  result: EvaluationResult;
  final: z.infer<typeof EvalFinal> | null;
  /** The run's log: the evaluation's and the predictor's other output. */
  log: string;
  /** Every request line the predictor received, when asked for. */
  requests: string[];
}

/**
 * The sealed evaluation of a trained workspace, through the runner's relay: evaluate.ts in
 * evalDir, the predict command in the workspace with the training's environment (`env`, which
 * names NIGHTSHIFT_OUT). With record, the predictor's stdin is also copied to a file, to see what
 * it was sent.
 */
export async function runSealed(workspace: string, evalDir: string, env: Record<string, string>, opts: { record?: boolean } = {}): Promise<SealedResult> {
  const base = { PATH: `${BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: os.homedir() };
  const logDir = tempDir('ns-evallog-');
  const requestsFile = path.join(logDir, 'requests.jsonl');
  const predict = opts.record ? `tee ${JSON.stringify(requestsFile)} | ${CONFIG.predict}` : CONFIG.predict;
  const data: Record<string, string> = env.NIGHTSHIFT_DATA === undefined ? {} : { NIGHTSHIFT_DATA: env.NIGHTSHIFT_DATA };
  const result = await runEvaluation({
    evaluate: { command: CONFIG.evaluate, cwd: evalDir, env: { ...base, ...data }, bwrap: null },
    predict: { command: predict, cwd: workspace, env: { ...base, ...env }, bwrap: null },
    limitS: 120,
    logPath: path.join(logDir, 'run.log'),
    metric: 'val_bpb',
  });
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  return {
    result,
    final: result.final ? EvalFinal.parse(result.final) : null,
    log: read(path.join(logDir, 'run.log')),
    requests: read(requestsFile)
      .split('\n')
      .filter((l) => l !== ''),
  };
}
