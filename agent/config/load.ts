import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { describeZodError } from '../validation.ts';

/** A path inside the sandbox: relative, no `.` or `..` parts, so it names one file in the workspace. */
const sandboxPath = z
  .string()
  .min(1)
  .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).some((part) => part === '..' || part === '.' || part === ''), {
    message: 'must be a relative path to a file inside the sandbox (no ".", ".." or absolute paths)',
  });

/**
 * How the training script reports: `ns` lines (docs/design.md, "Training-script protocol"), or
 * autoresearch's summary block (`---`, then `val_bpb: 0.9979` lines), so its train.py runs as it is.
 */
export const PROTOCOLS = ['ns', 'autoresearch'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const SandboxConfigSchema = z
  .object({
    command: z.string().min(1),
    /** The editable model's predictor, connected to `evaluate` by pipes (docs/design.md, "One run"). */
    predict: z.string().min(1).optional(),
    /** The read-only evaluation, run by nightshift after training; its final line sets the metric. */
    evaluate: z.string().min(1).optional(),
    metric: z
      .string()
      .min(1)
      .regex(/^[A-Za-z_][\w.-]*$/, 'must be a plain metric name'),
    goal: z.enum(['minimize', 'maximize']),
    editable: z.array(sandboxPath).min(1),
    readonly: z.array(sandboxPath).default([]),
    /** Files only the evaluation sees: never copied into the workspace. */
    hidden: z.array(sandboxPath).default([]),
    /**
     * Made once per session before its first run: started in the workspace with NIGHTSHIFT_CACHE, a
     * folder it fills (a corpus, a tokenizer) that every run then gets read-only as NIGHTSHIFT_CACHE.
     */
    prepare: z.string().min(1).optional(),
    /** A user corpus for the script, passed to it as NIGHTSHIFT_DATA (resolved against the sandbox). */
    data: z.string().min(1).optional(),
    protocol: z.enum(PROTOCOLS).default('ns'),
  })
  .strict()
  .refine((c) => c.predict === undefined || c.evaluate !== undefined, {
    message: '"predict" needs an "evaluate" command to talk to',
    path: ['predict'],
  });

export type SandboxConfig = z.infer<typeof SandboxConfigSchema>;

/** How far the measurement is out of the judged code's reach (docs/design.md, "Seal levels"). */
export type SealLevel = 'sealed' | 'separate' | 'self-reported';

export function sealLevel(config: Pick<SandboxConfig, 'predict' | 'evaluate'>): SealLevel {
  if (config.evaluate === undefined) return 'self-reported';
  return config.predict === undefined ? 'separate' : 'sealed';
}

export interface Sandbox {
  dir: string;
  config: SandboxConfig;
}

/** Reads and validates DIR/nightshift.json; every failure is one sentence naming the file. */
export function loadSandbox(dir: string, where: { hidden: 'here' | 'elsewhere' } = { hidden: 'here' }): Sandbox {
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
  // A session's workspace has no hidden files: they live with its evaluation.
  for (const rel of [...config.editable, ...config.readonly, ...(where.hidden === 'here' ? config.hidden : [])]) {
    if (!fs.existsSync(path.join(abs, rel))) throw new UserError(`${file} lists ${rel}, which is not in the sandbox`);
  }
  const lists = { editable: config.editable, readonly: config.readonly, hidden: config.hidden };
  const names = Object.keys(lists) as Array<keyof typeof lists>;
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      const overlap = lists[a].filter((f) => lists[b].includes(f));
      if (overlap.length > 0) throw new UserError(`${file} lists ${overlap.join(', ')} as both ${a} and ${b}`);
    }
  }
  refuseLinks(abs);
  return { dir: abs, config };
}

/**
 * Not looked into for links: the dependencies (a link there is how a workspace gets them) and
 * what is never copied into a workspace (agent/workspace/workspace.ts, SKIP).
 */
const UNCOPIED = new Set(['node_modules', '.git', '.nightshift']);

/**
 * Refuses a sandbox holding a symbolic link anywhere below its top-level node_modules: an
 * editable file that links out would have the proposer rewrite a file outside the workspace, and
 * a link to `/` would hand the run the whole machine. One sentence naming the first link found.
 */
function refuseLinks(root: string): void {
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (dir === root && UNCOPIED.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        throw new UserError(
          `sandbox ${root} holds a symbolic link, ${path.relative(root, full)} -> ${fs.readlinkSync(full)}; links could lead edits or runs out of the workspace, so replace it with what it points to or move it out of the sandbox (a virtualenv, a corpus: see "data")`,
        );
      }
      if (entry.isDirectory()) pending.push(full);
    }
  }
}
