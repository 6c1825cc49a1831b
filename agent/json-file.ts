import fs from 'node:fs';

/** A JSON file that exists but does not hold JSON (a write cut short, or not ours). */
export class GarbledJsonError extends Error {}

/**
 * A small state file's value (a run's result, a submit's record, a checkout's marker), or
 * undefined when there is none yet; text that is not JSON throws GarbledJsonError, which the
 * caller reads as "made in part" or lets stand as the sentence `${file} is not the JSON ${writer} writes`.
 */
export function readJsonFile(file: string, writer = 'nightshift'): unknown {
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
    if (error instanceof SyntaxError) throw new GarbledJsonError(`${file} is not the JSON ${writer} writes`);
    throw error;
  }
}

/** Writes a state file whole or not at all (write, then rename), so a reader never sees half of one. */
export function writeJsonFile(file: string, value: unknown): void {
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}
