/**
 * The training data (read-only). By default a synthetic corpus from the fixed source in source.ts;
 * with NIGHTSHIFT_DATA=file.txt, the user's UTF-8 text. Characters (Unicode code points) are the
 * tokens. Nothing here depends on NIGHTSHIFT_SEED or on train.ts.
 *
 * The validation text is not here: it is built by the hidden evaluation (validation.ts), which
 * training never sees. For synthetic data it is a separate stream from the same source; for user
 * text it is the last tenth of the file (at most VAL_CHARS), which is why userSplit lives here:
 * training must stop before it.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '@nightshift/helpers';
import { loadDefaultSource, sample } from './source.ts';

export const TRAIN_CHARS = 2_000_000;
export const VAL_CHARS = 16_384;
export const MIN_USER_CHARS = 4096;
// A fixed source seed: the corpus is the same for every run and every NIGHTSHIFT_SEED.
const TRAIN_STREAM_SEED = 20_240_601;

export interface TrainingData {
  /** Token id → character. */
  vocab: string[];
  train: Int32Array;
  /** 'synthetic' or the user's file path. */
  origin: string;
}

export function encode(chars: string[], vocab: string[]): Int32Array {
  const id = new Map(vocab.map((c, i) => [c, i]));
  // A plain loop: Int32Array.from with a mapping function took 4 s of every run's start-up over
  // the 2M-character corpus, this takes milliseconds.
  const ids = new Int32Array(chars.length);
  for (let i = 0; i < chars.length; i++) ids[i] = id.get(chars[i]!)!;
  return ids;
}

export function syntheticData(): TrainingData {
  const source = loadDefaultSource();
  return { vocab: source.alphabet, train: encode([...sample(source, TRAIN_STREAM_SEED, TRAIN_CHARS)], source.alphabet), origin: 'synthetic' };
}

/** The user's file as characters, checked: readable, UTF-8, long enough to split. */
export function userText(file: string): string[] {
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
  return chars;
}

/** The vocabulary of user text: every character of the whole file, by code point. */
export function userVocab(chars: string[]): string[] {
  return [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}

/** Where user text's validation part starts: the last tenth, at most VAL_CHARS. */
export function userSplit(length: number): number {
  return length - Math.min(VAL_CHARS, Math.floor(length / 10));
}

export function userData(file: string): TrainingData {
  const chars = userText(file);
  const vocab = userVocab(chars);
  return { vocab, train: encode(chars.slice(0, userSplit(chars.length)), vocab), origin: file };
}

export function loadData(dataPath: string | undefined): TrainingData {
  return dataPath === undefined ? syntheticData() : userData(dataPath);
}
