/**
 * The nightshift.json `adopt` writes for an existing project: from its flags, with whatever a
 * required flag left out asked on a terminal (and an error without one), validated by the same
 * loader every session uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadSandbox } from '../config/load.ts';
import { UserError } from '../errors.ts';

export interface ConfigFlags {
  command?: string;
  metric?: string;
  goal?: string;
  editable?: string[];
  readonly?: string[];
  hidden?: string[];
  evaluate?: string;
  predict?: string;
  protocol?: string;
}

/** Asks one question (a terminal's prompt) and returns the answer as typed. */
export type Ask = (prompt: string) => Promise<string>;

const REQUIRED = ['command', 'metric', 'goal', 'editable'] as const;
type Required = (typeof REQUIRED)[number];

const QUESTIONS: Record<Required | 'readonly', string> = {
  command: 'command that trains',
  metric: 'metric its final line reports',
  goal: 'goal (minimize or maximize)',
  editable: 'files experiments may edit (comma-separated)',
  readonly: 'read-only files: data, evaluation (comma-separated, none if empty)',
};

const SCRIPTS: Array<[string, string]> = [
  ['train.py', 'python3 train.py'],
  ['train.ts', 'npx tsx train.ts'],
  ['train.mjs', 'node train.mjs'],
];

export const givenAny = (flags: ConfigFlags): boolean => Object.values(flags).some((v) => v !== undefined);

const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** The script a command runs, when it names a file of the project. */
function scriptOf(dir: string, command: string): string | null {
  return command.split(/\s+/).find((word) => /\.(py|ts|mjs|js)$/.test(word) && fs.existsSync(path.join(dir, word))) ?? null;
}

function suggestion(dir: string, field: Required | 'readonly', answers: ConfigFlags): string | null {
  if (field === 'command') return SCRIPTS.find(([file]) => fs.existsSync(path.join(dir, file)))?.[1] ?? null;
  if (field === 'metric') return 'val_loss';
  if (field === 'goal') return 'minimize';
  if (field === 'editable') return answers.command ? scriptOf(dir, answers.command) : null;
  return null;
}

/** The flags, completed by `ask` (null: no terminal, so a missing required flag is an error). */
export async function completeConfig(dir: string, flags: ConfigFlags, ask: Ask | null): Promise<ConfigFlags> {
  const absent = REQUIRED.filter((f) => flags[f] === undefined || (Array.isArray(flags[f]) && flags[f].length === 0));
  if (absent.length === 0) return flags;
  if (ask === null) {
    const names = absent.map((f) => `--${f}`).join(', ');
    throw new UserError(
      `adopt needs ${names} (no terminal to ask on), e.g. nightshift adopt ${dir} --command 'python3 train.py' --metric val_loss --goal minimize --editable train.py`,
    );
  }
  const answers: ConfigFlags = { ...flags };
  for (const field of [...absent, ...(flags.readonly === undefined ? (['readonly'] as const) : [])]) {
    const suggested = suggestion(dir, field, answers);
    const typed = (await ask(`${QUESTIONS[field]}${suggested ? ` [${suggested}]` : ''}: `)).trim();
    const answer = typed === '' ? (suggested ?? '') : typed;
    if (field === 'editable' || field === 'readonly') answers[field] = list(answer);
    else answers[field] = answer;
  }
  return answers;
}

/** nightshift.json's fields in the order the README shows them, leaving out what was not given. */
function configJson(flags: ConfigFlags): string {
  const { command, predict, evaluate, metric, goal, editable, readonly, hidden, protocol } = flags;
  const config = { command, predict, evaluate, metric, goal, editable, readonly: readonly ?? [], hidden, protocol };
  // File lists on one line each, as the README writes them.
  const value = (v: unknown) => (Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : JSON.stringify(v));
  const lines = Object.entries(config)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `  ${JSON.stringify(k)}: ${value(v)}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

/**
 * Writes DIR/nightshift.json and loads it back as a session would; a config the loader refuses is
 * taken back (the previous file restored), so a failed adopt leaves the folder as it was.
 */
export function writeConfig(dir: string, flags: ConfigFlags): void {
  const file = path.join(dir, 'nightshift.json');
  const previous = fs.existsSync(file) ? fs.readFileSync(file) : null;
  fs.writeFileSync(file, configJson(flags));
  try {
    loadSandbox(dir);
  } catch (error) {
    if (previous === null) fs.rmSync(file);
    else fs.writeFileSync(file, previous);
    if (!(error instanceof UserError)) throw error;
    throw new UserError(`${error.message} (${previous === null ? 'nightshift.json not written' : 'the previous nightshift.json kept'})`);
  }
}
