/**
 * The data (read-only). By default a synthetic corpus from the fixed source in source.ts; with
 * NIGHTSHIFT_DATA=file.txt, the user's UTF-8 text. Characters (Unicode code points) are the
 * tokens. The validation text is fixed: it never depends on NIGHTSHIFT_SEED or on train.ts.
 *
 * Validation = `val` (the scored characters) preceded by `valContext` (characters a model may
 * read as context for the first scored ones, never scored):
 * - synthetic: a separate stream of CONTEXT_CHARS + VAL_CHARS characters from the source, so the
 *   floor is the source's exact code length of `val` given `valContext`;
 * - user text: `val` is the last tenth of the file (at most VAL_CHARS) and `valContext` the
 *   CONTEXT_CHARS before it; training text is everything before `val`.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './protocol.ts';
import { loadDefaultSource, sample, type Source } from './source.ts';

export const TRAIN_CHARS = 2_000_000;
export const CONTEXT_CHARS = 1024;
export const VAL_CHARS = 16_384;
export const MIN_USER_CHARS = 4096;
// Fixed source seeds: the corpus is the same for every run and every NIGHTSHIFT_SEED.
const TRAIN_STREAM_SEED = 20_240_601;
const VAL_STREAM_SEED = 20_240_602;

export interface Dataset {
  /** Token id → character. */
  vocab: string[];
  train: Int32Array;
  valContext: Int32Array;
  val: Int32Array;
  /** The source that generated the text, when it is synthetic (then the floor is known). */
  source: Source | null;
  /** 'synthetic' or the user's file path. */
  origin: string;
}

function encode(chars: string[], vocab: string[]): Int32Array {
  const id = new Map(vocab.map((c, i) => [c, i]));
  return Int32Array.from(chars, (c) => id.get(c)!);
}

function byCodePoint(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

export function syntheticData(): Dataset {
  const source = loadDefaultSource();
  const train = [...sample(source, TRAIN_STREAM_SEED, TRAIN_CHARS)];
  const valStream = [...sample(source, VAL_STREAM_SEED, CONTEXT_CHARS + VAL_CHARS)];
  return {
    vocab: source.alphabet,
    train: encode(train, source.alphabet),
    valContext: encode(valStream.slice(0, CONTEXT_CHARS), source.alphabet),
    val: encode(valStream.slice(CONTEXT_CHARS), source.alphabet),
    source,
    origin: 'synthetic',
  };
}

export function userData(file: string): Dataset {
  let bytes: Buffer;
  try {
    if (!statSync(file).isFile()) throw new UsageError(`NIGHTSHIFT_DATA=${file} is not a file`);
    bytes = readFileSync(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`NIGHTSHIFT_DATA=${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new UsageError(`NIGHTSHIFT_DATA=${file} is not valid UTF-8 text`);
  }
  const chars = [...text];
  if (chars.length === 0) throw new UsageError(`NIGHTSHIFT_DATA=${file} is empty`);
  if (chars.length < MIN_USER_CHARS) {
    throw new UsageError(
      `NIGHTSHIFT_DATA=${file} has ${chars.length} characters; at least ${MIN_USER_CHARS} are needed to split it into training and validation text`,
    );
  }
  const valLength = Math.min(VAL_CHARS, Math.floor(chars.length / 10));
  const split = chars.length - valLength;
  const vocab = [...new Set(chars)].sort(byCodePoint);
  return {
    vocab,
    train: encode(chars.slice(0, split), vocab),
    valContext: encode(chars.slice(Math.max(0, split - CONTEXT_CHARS), split), vocab),
    val: encode(chars.slice(split), vocab),
    source: null,
    origin: file,
  };
}

export function loadData(dataPath: string | undefined): Dataset {
  return dataPath === undefined ? syntheticData() : userData(dataPath);
}
