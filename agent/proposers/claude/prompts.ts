import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { PACKAGE_ROOT } from '../../paths.ts';

export const PROMPTS_DIR = path.join(PACKAGE_ROOT, 'prompts');

function read(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UserError(`cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * The system prompt: the rules (prompts/rules.md) and the research programme (prompts/program.md,
 * or the user's own file). Read once at start-up, so it is the same, cacheable prefix all night.
 */
export function loadSystemPrompt(programFile?: string): string {
  const rules = read(path.join(PROMPTS_DIR, 'rules.md'), 'the rules');
  const program = programFile ? read(path.resolve(programFile), 'the programme file') : read(path.join(PROMPTS_DIR, 'program.md'), 'the programme');
  if (program === '') throw new UserError(`the programme file ${programFile ?? 'prompts/program.md'} is empty`);
  return `${rules}\n\n${program}`;
}
