import fs from 'node:fs';

/** A JSON file that exists but does not hold JSON (a write cut short, or not ours). */
export class GarbledJsonError extends Error {}

/**
 * A small state file's value (a run's result, a submit's record, a checkout's marker), or
 * undefined when there is none yet; text that is not JSON throws GarbledJsonError, which the
 * caller turns into its own sentence or reads as "made in part".
 */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw new GarbledJsonError(`${file} does not hold JSON`);
    throw error;
  }
}
