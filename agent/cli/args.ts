import { type ParseArgsConfig, parseArgs } from 'node:util';
// zod's types only: `log` parses its flags here and starts without loading zod (commands/log.ts).
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { describeZodError } from '../validation.ts';

export interface FlagSpec {
  name: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
}

/** parseArgs's result, typed by the command's options. */
type ParsedFlags<S extends FlagSpec> = ReturnType<typeof parseArgs<{ options: S['options']; strict: true; allowPositionals: true }>>;

export interface CommandSpec<S extends z.ZodType> extends FlagSpec {
  schema: S;
}

/** One command's flags, parsed strictly but not yet validated; a failure is one sentence. */
export function parseFlags<S extends FlagSpec>(spec: S, argv: string[]): ParsedFlags<S> | 'help' {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, '');
    throw new UserError(`${message} (see 'nightshift ${spec.name} --help')`);
  }
  return parsed.values.help ? 'help' : (parsed as ParsedFlags<S>);
}

/** Parses one command's flags strictly and validates their values; every failure is one sentence. */
export function parseCommand<S extends z.ZodType>(spec: CommandSpec<S>, argv: string[]): z.infer<S> | 'help' {
  const parsed = parseFlags(spec, argv);
  if (parsed === 'help') return 'help';
  const result = spec.schema.safeParse({ ...parsed.values, positionals: parsed.positionals });
  // main.ts prefixes every error with 'nightshift: ' once, so the message names neither it nor the
  // command; a flag's message names the flag already, and positionals have no name worth showing.
  if (!result.success) {
    const text = describeZodError(result.error);
    throw new UserError(text.replace(/^positionals(\.\d+)?: /, '').replace(/^([\w-]+): (?=--\1\b)/, ''));
  }
  return result.data;
}

/** A numeric flag given as a string, checked by zod with a readable message. */
export function flagNumber(name: string, z_: typeof z, limits: NumberLimits = {}) {
  return z_
    .string()
    .refine((s) => isFlagNumber(s, limits), { message: flagNumberRule(name, limits) })
    .transform(Number);
}

/** As flagNumber, without zod (for the commands that must start fast). */
export function numberFlag(name: string, text: string, limits: NumberLimits = {}): number {
  if (!isFlagNumber(text, limits)) throw new UserError(flagNumberRule(name, limits));
  return Number(text);
}

interface NumberLimits {
  int?: boolean;
  min?: number;
}

const isFlagNumber = (s: string, { int = false, min = 0 }: NumberLimits) =>
  s.trim() !== '' && Number.isFinite(Number(s)) && (!int || Number.isInteger(Number(s))) && Number(s) >= min;
const flagNumberRule = (name: string, { int = false, min = 0 }: NumberLimits) => `--${name} must be ${int ? 'a whole number' : 'a number'} ≥ ${min}`;

/** `--name VALUE` where VALUE is one of `allowed`, without zod. */
export function oneOfFlag<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!allowed.includes(text as T)) throw new UserError(`--${name} must be one of ${allowed.join(', ')}`);
  return text as T;
}

/** `--status crashed,timeout`: one value or a comma-separated list, each one of `allowed`, without zod. */
export function listFlag<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const values = text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  const bad = values.find((v) => !allowed.includes(v as T));
  if (bad === undefined && values.length > 0) return values as T[];
  throw new UserError(`--${name} takes ${allowed.join(', ')} (comma-separated), got '${bad ?? text}'`);
}
