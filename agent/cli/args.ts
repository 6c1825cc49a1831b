import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { UserError } from '../errors.ts';
import { describeZodError } from '../validation.ts';

export interface CommandSpec<S extends z.ZodType> {
  name: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals?: boolean;
  schema: S;
}

/** Parses one command's flags strictly and validates their values; every failure is one sentence. */
export function parseCommand<S extends z.ZodType>(spec: CommandSpec<S>, argv: string[]): z.infer<S> | 'help' {
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
  if (parsed.values.help) return 'help';
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
export function flagNumber(name: string, z_: typeof z, { int = false, min = 0 }: { int?: boolean; min?: number } = {}) {
  return z_
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)) && (!int || Number.isInteger(Number(s))) && Number(s) >= min, {
      message: `--${name} must be ${int ? 'a whole number' : 'a number'} ≥ ${min}`,
    })
    .transform(Number);
}
