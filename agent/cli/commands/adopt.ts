import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { z } from 'zod';
import { checkRuns } from '../../adopt/check-runs.ts';
import { type CheckRun, findings, isReady } from '../../adopt/findings.ts';
import { type Ask, completeConfig, givenAny, writeConfig } from '../../adopt/project-config.ts';
import { loadSandbox, PROTOCOLS } from '../../config/load.ts';
import { UserError } from '../../errors.ts';
import { scanMarkers } from '../../knobs/scan.ts';
import { flagNumber, parseCommand } from '../args.ts';

const USAGE = `usage: nightshift adopt DIR [flags]

Writes DIR/nightshift.json for an existing training script (asking on a terminal for a flag left
out), then runs the script twice at a short budget on two seeds, as a session would, in a copy of
DIR, and says what it lacks: @ns lines, the seed, budget handling, a final metric; and the seal
level it would get. Nothing in DIR but nightshift.json is written. Exit 0: ready; 1: not yet.

  --command CMD          the command that trains, run in DIR ('python3 train.py')
  --metric NAME          the metric its final line (or evaluate's) reports
  --goal minimize|maximize
  --editable FILES       files experiments may edit (comma-separated)
  --readonly FILES       files no experiment may change: data, evaluation (comma-separated)
  --hidden FILES         files only the evaluation sees: validation data (comma-separated)
  --evaluate CMD         a read-only evaluation that sets the metric (the separate seal level)
  --predict CMD          the model's predictor, behind evaluate (the sealed level)
  --protocol ns|autoresearch   how the script reports (default: ns)
  --force                replace an existing nightshift.json
  --check-budget S       training seconds of each check run (default: 20)

With no config flag, an existing nightshift.json is checked as it is.
README, "Porting an existing script", walks through an example.`;

const files = z
  .array(z.string())
  .optional()
  .transform((given) => given?.flatMap((text) => text.split(',').map((s) => s.trim())).filter((s) => s !== ''));

const Flags = z.object({
  command: z.string().min(1, '--command is empty').optional(),
  metric: z.string().min(1, '--metric is empty').optional(),
  goal: z.enum(['minimize', 'maximize'], { message: '--goal must be minimize or maximize' }).optional(),
  editable: files,
  readonly: files,
  hidden: files,
  evaluate: z.string().min(1, '--evaluate is empty').optional(),
  predict: z.string().min(1, '--predict is empty').optional(),
  protocol: z.enum(PROTOCOLS, { message: `--protocol must be one of ${PROTOCOLS.join(', ')}` }).optional(),
  force: z.boolean().default(false),
  'check-budget': flagNumber('check-budget', z, { min: 1 }).default(20),
  positionals: z.tuple([z.string().min(1)], { message: 'adopt needs exactly one project folder' }),
});

const text = { type: 'string' } as const;
const many = { type: 'string', multiple: true } as const;
const spec = {
  name: 'adopt',
  usage: USAGE,
  allowPositionals: true,
  schema: Flags,
  options: {
    command: text,
    metric: text,
    goal: text,
    editable: many,
    readonly: many,
    hidden: many,
    evaluate: text,
    predict: text,
    protocol: text,
    force: { type: 'boolean' },
    'check-budget': text,
  },
} as const;

const SEEDS = [1, 2];

export async function adoptCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(spec, argv);
  if (parsed === 'help') return (void process.stdout.write(`${USAGE}\n`), 0);
  const { positionals, force, 'check-budget': budgetS, ...config } = parsed;
  const [dir] = positionals;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError(`${dir} is not a folder`);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const file = path.join(dir, 'nightshift.json');
  const existing = fs.existsSync(file);
  if (existing && givenAny(config) && !force) {
    throw new UserError(`${file} exists; --force replaces it, or leave out the config flags to check it as it is`);
  }
  if (existing && !force) say(`checking ${file} as it is`);
  else {
    writeConfig(dir, await withTerminal((ask) => completeConfig(dir, config, ask)));
    say(`${existing ? 'replaced' : 'wrote'} ${file}`);
  }
  const sandbox = loadSandbox(dir);
  const markers = scanMarkers(sandbox.dir, sandbox.config.editable).length;

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-adopt-'));
  const logs: string[] = [];
  say(`check: ${SEEDS.length} runs of ${budgetS} s on seeds ${SEEDS.join(' and ')}, in a copy of ${dir}`);
  const checked = await whileInterruptible((signal) =>
    checkRuns(sandbox.dir, { budgetS, seeds: SEEDS, scratch, signal, onStart: (_seed, log) => void logs.push(log) }),
  );
  for (const run of checked.runs) say(runLine(run, sandbox.config.metric));
  if (checked.interrupted) {
    say(`stopped; the check runs' logs: ${logs.join(', ')}`);
    return 130;
  }
  const found = findings({ config: sandbox.config, budgetS, graceS: checked.graceS, markers, runs: checked.runs });
  for (const f of found) say(`${f.missing ? 'missing' : 'note'}: ${f.text}`);
  if (isReady(found)) {
    fs.rmSync(scratch, { recursive: true, force: true });
    say(`ready: nightshift run --sandbox ${dir}`);
    return 0;
  }
  say(`not ready: ${found.filter((f) => f.missing).length} to fix (above); the check runs' logs: ${logs.join(', ')}`);
  return 1;
}

function runLine(run: CheckRun, metric: string): string {
  const value = run.evaluation?.[metric] ?? run.final?.[metric];
  const shown = typeof value === 'number' ? `, ${metric} ${value}` : '';
  const why = run.status === 'done' || run.reason === null ? '' : ` (${run.reason})`;
  return `seed ${run.seed}: ${run.status} after ${run.runS.toFixed(1)} s${shown}${why}`;
}

/** Runs `body` with a terminal to ask on when stdin is one (null otherwise), closed after. */
async function withTerminal<T>(body: (ask: Ask | null) => Promise<T>): Promise<T> {
  if (!process.stdin.isTTY) return body(null);
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await body((prompt) => terminal.question(prompt));
  } finally {
    terminal.close();
  }
}

/** Ctrl-C or SIGTERM stops the check run in flight (it runs in a process group of its own, out of the terminal's reach). */
async function whileInterruptible<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    return await body(abort.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
