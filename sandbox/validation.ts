/**
 * The validation text (hidden: only the evaluation has this file). Validation = `val` (the scored
 * characters) preceded by `context` (characters a model may read as context for the first scored
 * ones, never scored):
 * - synthetic: a separate stream of CONTEXT_CHARS + VAL_CHARS characters from the source, whose
 *   seed training never sees; the floor is the source's exact code length of `val` given `context`;
 * - user text: `val` is the last tenth of the file (prepare.ts's userSplit) and `context` the
 *   CONTEXT_CHARS before it; there is no floor.
 */
import { encode, userSplit, userText, userVocab, VAL_CHARS } from './prepare.ts';
import { conditionalBits, loadDefaultSource, sample } from './source.ts';

export const CONTEXT_CHARS = 1024;
const VAL_STREAM_SEED = 20_240_602;

export interface Validation {
  /** Token id → character: the same vocabulary training uses. */
  vocab: string[];
  context: Int32Array;
  val: Int32Array;
  /** The source's bits per character on val given context; null for user text. */
  floor: number | null;
}

export function syntheticValidation(): Validation {
  const source = loadDefaultSource();
  const text = sample(source, VAL_STREAM_SEED, CONTEXT_CHARS + VAL_CHARS);
  const chars = [...text];
  return {
    vocab: source.alphabet,
    context: encode(chars.slice(0, CONTEXT_CHARS), source.alphabet),
    val: encode(chars.slice(CONTEXT_CHARS), source.alphabet),
    floor: conditionalBits(source, text, CONTEXT_CHARS) / VAL_CHARS,
  };
}

export function userValidation(file: string): Validation {
  const chars = userText(file);
  const vocab = userVocab(chars);
  const split = userSplit(chars.length);
  return {
    vocab,
    context: encode(chars.slice(Math.max(0, split - CONTEXT_CHARS), split), vocab),
    val: encode(chars.slice(split), vocab),
    floor: null,
  };
}

export function loadValidation(dataPath: string | undefined): Validation {
  return dataPath === undefined ? syntheticValidation() : userValidation(dataPath);
}
