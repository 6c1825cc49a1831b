/**
 * The training data (read-only). By default a synthetic corpus from the fixed source in source.ts;
 * with NIGHTSHIFT_DATA=file.txt, the user's UTF-8 text. Characters (Unicode code points) are the
 * tokens. Nothing here depends on NIGHTSHIFT_SEED or on train.ts.
 *
 * The validation text is not here: it is built by the hidden evaluation (validation.ts), which
 * training never sees. For synthetic data it is a separate stream from the same source; for user
 * text it is the last tenth of the file (at most VAL_CHARS), which is why userSplit lives here:
 * training must stop before it.
 *
 * Run as a script (nightshift.json "prepare"), it saves the corpus into NIGHTSHIFT_CACHE, which
 * nightshift does once per session; loadData then reads it from there instead of making it again
 * at every run's start (seconds on a loaded machine).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readEnv, runMain, UsageError } from '@nightshift/helpers';
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
  /** Read from the session's cache (NIGHTSHIFT_CACHE) rather than made now. */
  cached: boolean;
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
  return { vocab: source.alphabet, train: encode([...sample(source, TRAIN_STREAM_SEED, TRAIN_CHARS)], source.alphabet), origin: 'synthetic', cached: false };
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
  return { vocab, train: encode(chars.slice(0, userSplit(chars.length)), vocab), origin: file, cached: false };
}

const CACHE_META = 'corpus.json';
const CACHE_IDS = 'corpus.bin';

/** Saves the corpus into dir: its token ids as this machine's int32 (the session's runs share it), the rest as JSON. */
export function saveCorpus(data: TrainingData, dir: string): void {
  writeFileSync(path.join(dir, CACHE_IDS), new Uint8Array(data.train.buffer, data.train.byteOffset, data.train.byteLength));
  writeFileSync(path.join(dir, CACHE_META), JSON.stringify({ origin: data.origin, vocab: data.vocab, length: data.train.length }));
}

/** The corpus saved in dir for this origin, or null when there is none (or one of another corpus). */
function savedCorpus(dir: string, origin: string): TrainingData | null {
  const metaFile = path.join(dir, CACHE_META);
  if (!existsSync(metaFile)) return null;
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { origin: string; vocab: string[]; length: number };
  if (meta.origin !== origin) return null;
  const bytes = readFileSync(path.join(dir, CACHE_IDS));
  if (bytes.length !== meta.length * 4) throw new Error(`${CACHE_IDS} in ${dir} holds ${bytes.length} bytes, ${CACHE_META} says ${meta.length * 4}`);
  // Copied out: a Buffer's bytes need not be aligned for an Int32Array view.
  const train = new Int32Array(meta.length);
  new Uint8Array(train.buffer).set(bytes);
  return { vocab: meta.vocab, train, origin, cached: true };
}

/** The training data: from the session's cache when given and it holds this corpus, else made now. */
export function loadData(dataPath: string | undefined, cacheDir?: string): TrainingData {
  const saved = cacheDir === undefined ? null : savedCorpus(cacheDir, dataPath ?? 'synthetic');
  return saved ?? (dataPath === undefined ? syntheticData() : userData(dataPath));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMain('prepare.ts', async () => {
    const env = readEnv();
    if (env.cacheDir === undefined) throw new UsageError('NIGHTSHIFT_CACHE is not set: prepare.ts saves the corpus there for the runs of a session');
    saveCorpus(loadData(env.dataPath), env.cacheDir);
  });
}
