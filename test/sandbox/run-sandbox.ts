/** Runs a copy of the tfjs sandbox as the agent would, with config lines edited, and reads its @ns lines. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SANDBOX = path.join(ROOT, 'sandbox');
export const FIXTURES = path.join(ROOT, 'test/fixtures/data');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export const FinalLine = z
  .object({
    final: z.literal(true),
    val_bpb: z.number().positive().nullable(),
    floor_bpb: z.number().positive().optional(),
    diverged: z.literal(true).optional(),
    train_loss: z.number().nonnegative().nullable(),
    steps: z.number().int().positive(),
    planned_steps: z.number().int().positive(),
    params: z.number().int().positive(),
    tokens_per_s: z.number().positive(),
    elapsed_s: z.number().positive(),
    backend: z.enum(['node-gpu', 'node', 'wasm', 'cpu']),
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
process.on('exit', () => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A fresh copy of sandbox/ (node_modules linked, as in an agent workspace), train.ts edited. */
export function copySandbox(edits: Record<string, string | number | boolean> = {}, patch?: (train: string) => string): string {
  const dir = tempDir('ns-sandbox-');
  for (const file of fs.readdirSync(SANDBOX)) fs.copyFileSync(path.join(SANDBOX, file), path.join(dir, file));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const train = editConfig(fs.readFileSync(path.join(dir, 'train.ts'), 'utf8'), edits);
  fs.writeFileSync(path.join(dir, 'train.ts'), patch ? patch(train) : train);
  return dir;
}

/**
 * Runs `tsx train.ts` in dir with only the protocol variables, a private TMPDIR (so step plans
 * from other runs on this machine are not reused) and the given extras.
 */
export function runTrain(dir: string, env: Record<string, string>, tmpdir: string, timeoutMs = 120_000): Promise<RunResult> {
  const fullEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.homedir(), TMPDIR: tmpdir, ...env };
  return new Promise((resolve) => {
    execFile(TSX, ['train.ts'], { cwd: dir, env: fullEnv, timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const lines = stdout.split('\n').filter((l) => l.startsWith('@ns '));
      const parsed = lines.map((l) => JSON.parse(l.slice(4)) as Record<string, unknown>);
      const finals = parsed.filter((o) => o.final === true);
      if (finals.length > 1) throw new Error(`more than one final line:\n${stdout}`);
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        stdout,
        stderr,
        steps: parsed.filter((o) => o.final !== true).map((o) => StepLine.parse(o)),
        final: finals[0] ? FinalLine.parse(finals[0]) : null,
      });
    });
  });
}

/** The stderr lines a run printed, minus TensorFlow.js's own banner. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/^=+$|^Hi, looks like you are running TensorFlow\.js in Node\.js/.test(l));
}
