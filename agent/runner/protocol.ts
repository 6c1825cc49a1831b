import { z } from 'zod';
import { describeZodError } from '../validation.ts';

/** Lines for the agent start with this prefix; everything else is log text. */
export const PREFIX = '@ns ';

// Python's json.dumps writes NaN and Infinity bare; JSON.parse refuses them, so they are quoted
// first and read back as numbers, which lets a diverged run be told apart from a garbled line.
const NON_FINITE = /(:\s*|\[\s*|,\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g;

const numberish = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform((s) => Number(s))]);

const field = z.union([numberish, z.string(), z.boolean(), z.null()]);

const StepLine = z.object({ step: z.number().int().nonnegative(), elapsed_s: numberish.optional() }).catchall(field);

const FinalLine = z.object({ final: z.literal(true) }).catchall(field);

export type ProtocolLine =
  | { type: 'step'; step: number; elapsedS: number | null; values: Record<string, number | null> }
  | { type: 'final'; fields: Record<string, number | string | boolean | null> }
  | { type: 'invalid'; reason: string }
  | { type: 'text' };

export function parseLine(line: string): ProtocolLine {
  if (!line.startsWith(PREFIX)) return { type: 'text' };
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(PREFIX.length).replace(NON_FINITE, '$1"$2"'));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { type: 'invalid', reason: 'not a JSON object' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { type: 'invalid', reason: 'not a JSON object' };
  if ('final' in raw) {
    const parsed = FinalLine.safeParse(raw);
    return parsed.success ? { type: 'final', fields: parsed.data } : { type: 'invalid', reason: describeZodError(parsed.error) };
  }
  const parsed = StepLine.safeParse(raw);
  if (!parsed.success) return { type: 'invalid', reason: describeZodError(parsed.error) };
  const { step, elapsed_s, ...rest } = parsed.data;
  const values: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (typeof value === 'number') values[name] = Number.isFinite(value) ? value : null;
  }
  return { type: 'step', step, elapsedS: elapsed_s ?? null, values };
}
