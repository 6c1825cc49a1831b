/**
 * The nightshift training protocol, shared by train.ts (read-only, so that an experiment can
 * change the model but not how its budget is counted or how it reports):
 * - environment: NIGHTSHIFT_BUDGET_S (training seconds, default 300), NIGHTSHIFT_SEED,
 *   NIGHTSHIFT_OUT, NIGHTSHIFT_EXPERIMENT_ID, NIGHTSHIFT_DATA, NIGHTSHIFT_TFJS_BACKEND;
 * - `@ns {json}` lines on stdout for the agent;
 * - the step plan that turns a time budget into a fixed number of steps;
 * - one clear stderr line and a non-zero exit on any failure.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Bad input (data file, environment, config): exit code 2, like a CLI usage error. */
export class UsageError extends Error {}

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const EnvSchema = z.object({
  NIGHTSHIFT_BUDGET_S: optional(z.coerce.number().positive().finite()),
  NIGHTSHIFT_SEED: optional(z.coerce.number().int().nonnegative().max(2 ** 31 - 1)),
  NIGHTSHIFT_OUT: optional(z.string()),
  NIGHTSHIFT_EXPERIMENT_ID: optional(z.string()),
  NIGHTSHIFT_DATA: optional(z.string()),
  NIGHTSHIFT_TFJS_BACKEND: optional(z.enum(['node-gpu', 'node', 'wasm', 'cpu'])),
});

export interface RunEnv {
  budgetS: number;
  seed: number;
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
    outDir: e.NIGHTSHIFT_OUT,
    experimentId: e.NIGHTSHIFT_EXPERIMENT_ID,
    dataPath: e.NIGHTSHIFT_DATA,
    backend: e.NIGHTSHIFT_TFJS_BACKEND,
  };
}

/** One line for the agent; numbers are rounded so the line stays short and stable. */
export function report(fields: Record<string, number | string | boolean | null>): void {
  const rounded = Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v]),
  );
  process.stdout.write(`@ns ${JSON.stringify(rounded)}\n`);
}

/**
 * How many optimizer steps fill the budget. Measured once per (script text, backend, budget,
 * data, machine) and remembered in $NIGHTSHIFT_CACHE (a folder the agent keeps for the whole
 * session; $TMPDIR when run by hand) under nightshift-step-plans, so that repeated runs of the
 * same script — a baseline over several seeds, a candidate's confirmations — run the same
 * number of steps and the same seed prints the same numbers. The first run measures.
 */
export async function planSteps(
  budgetS: number,
  key: string[],
  secondsPerStep: () => Promise<number>,
): Promise<{ steps: number; measured: boolean }> {
  const dir = path.join(process.env.NIGHTSHIFT_CACHE || os.tmpdir(), 'nightshift-step-plans');
  const id = createHash('sha256').update(JSON.stringify([budgetS, os.hostname(), os.cpus().length, ...key])).digest('hex');
  const file = path.join(dir, `${id.slice(0, 32)}.json`);
  try {
    const cached = z.object({ steps: z.number().int().positive() }).parse(JSON.parse(readFileSync(file, 'utf8')));
    return { steps: cached.steps, measured: false };
  } catch {
    // Not planned yet (or unreadable): measure below.
  }
  const steps = Math.max(1, Math.floor(budgetS / (await secondsPerStep())));
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ steps, budgetS }));
  renameSync(tmp, file);
  return { steps, measured: true };
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
