/**
 * The metric (read-only): val_bpb, the model's cross-entropy in bits per character over every
 * character of the fixed validation text, and floor_bpb, the source's own (synthetic data only).
 *
 * A model with context length T reads windows of exactly T characters taken from
 * valContext ++ val. Windows advance by S = ceil(T/2) and each scores only its last S targets
 * (the first window's scored targets start at val[0]), so every validation character is scored
 * exactly once, with between T-S+1 and T characters of context. Nothing here depends on the
 * training batch size, dropout or optimizer; windows go through the model in fixed batches of
 * EVAL_BATCH, and the log-softmax is taken here, so the scores are always normalised.
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from './protocol.ts';
import type { Dataset } from './prepare.ts';
import { conditionalBits } from './source.ts';

const EVAL_BATCH = 16;

/** forward: int32 [batch, T] token ids → [batch, T, vocab] logits, in inference mode. */
export type Forward = (ids: tf.Tensor2D) => tf.Tensor;

export function valBpb(data: Dataset, contextLength: number, forward: Forward): number {
  const T = contextLength;
  const C = data.valContext.length;
  if (!Number.isInteger(T) || T < 1 || T > C) {
    throw new UsageError(`context length ${T} must be a whole number from 1 to ${C}, the context the evaluation provides`);
  }
  const ids = new Int32Array(C + data.val.length);
  ids.set(data.valContext, 0);
  ids.set(data.val, C);
  const S = Math.ceil(T / 2);
  const V = data.vocab.length;
  // Each window: its input start, and how many of its last targets it scores.
  const windows: Array<{ start: number; scored: number }> = [];
  for (let a = C; a < ids.length; a += S) {
    const e = Math.min(a + S, ids.length);
    windows.push({ start: e - 1 - T, scored: e - a });
  }
  let nats = 0;
  for (let b = 0; b < windows.length; b += EVAL_BATCH) {
    const batch = windows.slice(b, b + EVAL_BATCH);
    const inputs = new Int32Array(batch.length * T);
    const targets = new Int32Array(batch.length * T);
    batch.forEach((w, i) => {
      inputs.set(ids.subarray(w.start, w.start + T), i * T);
      targets.set(ids.subarray(w.start + 1, w.start + T + 1), i * T);
    });
    const logp = tf.tidy(() => {
      const logits = forward(tf.tensor2d(inputs, [batch.length, T], 'int32'));
      if (logits.shape.join() !== [batch.length, T, V].join()) {
        throw new Error(`forward returned shape [${logits.shape.join(', ')}], expected [${batch.length}, ${T}, ${V}]`);
      }
      const picked = tf.logSoftmax(logits.toFloat()).mul(tf.oneHot(tf.tensor2d(targets, [batch.length, T], 'int32'), V));
      return picked.sum(-1).dataSync();
    });
    batch.forEach((w, i) => {
      for (let t = T - w.scored; t < T; t++) nats -= logp[i * T + t]!;
    });
  }
  return nats / Math.LN2 / data.val.length;
}

/** The source's exact bits per character on val given valContext; null for user text. */
export function floorBpb(data: Dataset): number | null {
  if (!data.source) return null;
  const text = [...data.valContext, ...data.val].map((i) => data.vocab[i]!).join('');
  return conditionalBits(data.source, text, data.valContext.length) / data.val.length;
}
