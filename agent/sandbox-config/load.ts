import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { describeZodError } from '../validation.ts';

/** A path inside the sandbox: relative, no `..`, so it means the same file in the workspace. */
const sandboxPath = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), {
    message: 'must be a relative path inside the sandbox',
  });

export const SandboxConfigSchema = z
  .object({
    command: z.string().min(1),
    metric: z.string().min(1).regex(/^[A-Za-z_][\w.-]*$/, 'must be a plain metric name'),
    goal: z.enum(['minimize', 'maximize']),
    editable: z.array(sandboxPath).min(1),
    readonly: z.array(sandboxPath).default([]),
    /** A user corpus for the script, passed to it as NIGHTSHIFT_DATA (resolved against the sandbox). */
    data: z.string().min(1).optional(),
  })
  .strict();

export type SandboxConfig = z.infer<typeof SandboxConfigSchema>;

export interface Sandbox {
  dir: string;
  config: SandboxConfig;
}

/** Reads and validates DIR/nightshift.json; every failure is one sentence naming the file. */
export function loadSandbox(dir: string): Sandbox {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) throw new UserError(`sandbox ${dir} does not exist`);
  if (!fs.statSync(abs).isDirectory()) throw new UserError(`sandbox ${dir} is not a directory`);
  const file = path.join(abs, 'nightshift.json');
  if (!fs.existsSync(file)) throw new UserError(`sandbox ${dir} has no nightshift.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserError(`${file} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = SandboxConfigSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: ${describeZodError(parsed.error)}`);
  const config = parsed.data;
  for (const rel of [...config.editable, ...config.readonly]) {
    if (!fs.existsSync(path.join(abs, rel))) throw new UserError(`${file} lists ${rel}, which is not in the sandbox`);
  }
  const overlap = config.editable.filter((f) => config.readonly.includes(f));
  if (overlap.length > 0) throw new UserError(`${file} lists ${overlap.join(', ')} as both editable and readonly`);
  return { dir: abs, config };
}
