/**
 * nightshift's default experiment: a decoder-only character-level transformer in TensorFlow.js,
 * trained for NIGHTSHIFT_BUDGET_S seconds. This is the one file experiments edit. Every component
 * and hyperparameter is a line of `config` below; a `@knob`/`@ablate` marker says what the planner
 * may set it to.
 *
 * Training ends by saving the model to NIGHTSHIFT_OUT. It never scores itself: nightshift then runs
 * `train.ts predict`, which loads that model and answers the hidden evaluation's requests for
 * logits (@nightshift/helpers carries the messages, the step plan and the `@ns` lines), and the
 * evaluation computes val_bpb.
 *
 * Run by hand: NIGHTSHIFT_BUDGET_S=10 NIGHTSHIFT_SEED=1 NIGHTSHIFT_OUT=out node --import @nightshift/helpers/register train.ts
 */
import {
  loadCheckpoint,
  planSteps,
  readEnv,
  reportFinal,
  reportStep,
  runMain,
  saveCheckpoint,
  servePredictions,
  timeSteps,
  UsageError,
  type Predictor,
} from '@nightshift/helpers';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { explainBackendError, requestedBackend, selectBackend } from './backend.ts';
import { loadData, type TrainingData } from './prepare.ts';
import { mulberry32 } from './source.ts';

export const config = {
  layers: 2, // @knob 1 2 3 4
  dModel: 64, // @knob 32 64 96 128
  heads: 4, // @knob 1 2 4 8
  mlpRatio: 4, // @knob 1 2 4
  blockSize: 64, // @knob 16 32 64 128 256
  batchSize: 16, // @knob 4 8 16 32 64
  lr: 1e-2, // @knob 1e-4..3e-2 log
  warmup: 0.05, // @knob 0..0.2
  weightDecay: 0.01, // @knob 0..0.1
  dropout: 0, // @knob 0..0.3
  attention: true, // @ablate false
  mlp: true, // @ablate false
  residual: true, // @ablate false
  layerNorm: true, // @ablate false
  posEncoding: 'sinusoidal', // @ablate 'learned' 'none'
};

type Config = typeof config;

/** Fraction of the run → learning rate: linear warm-up, then cosine decay to a tenth. */
function learningRate(fraction: number): number {
  if (fraction < config.warmup) return (config.lr * (fraction + 1e-9)) / config.warmup;
  const decay = (fraction - config.warmup) / (1 - config.warmup);
  return config.lr * (0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, decay))));
}

/**
 * x [n, k] @ w [k, m] with a gradient that transposes explicitly: on wasm, matMul with a
 * transposed operand (what tf's own gradient uses) is several times slower than transpose + matMul.
 */
const linear = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(ws!) as tf.Tensor2D),
      tf.matMul(tf.transpose(xs!) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

interface Norm {
  g: tf.Variable;
  b: tf.Variable;
}

/** One block's parameters; a component switched off in config has none. */
interface Layer {
  ln1: Norm | null;
  attn: { wqkv: tf.Variable; wo: tf.Variable } | null;
  ln2: Norm | null;
  mlp: { w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable } | null;
}

class Model {
  readonly vars: tf.Variable[] = [];
  /** Matrices get weight decay; gains, biases and embeddings do not. */
  readonly decayed = new Set<tf.Variable>();
  private readonly wte: tf.Variable;
  private readonly wpe: tf.Variable | null;
  private readonly sinusoid: tf.Tensor2D | null;
  private readonly mask: tf.Tensor2D;
  private readonly layers: Layer[] = [];
  private readonly lnf: Norm | null;
  private readonly head: tf.Variable;
  private dropoutCalls = 0;

  constructor(
    readonly c: Config,
    readonly vocab: number,
    private readonly seed: number,
  ) {
    let n = 0;
    const param = (shape: number[], std: number, decay = false) => {
      const v = tf.variable(tf.randomNormal(shape, 0, std, 'float32', seed * 1000 + n++));
      this.vars.push(v);
      if (decay) this.decayed.add(v);
      return v;
    };
    const constant = (shape: number[], value: number) => {
      const v = tf.variable(tf.fill(shape, value));
      this.vars.push(v);
      return v;
    };
    const d = c.dModel;
    const hidden = d * c.mlpRatio;
    const norm = () => (c.layerNorm ? { g: constant([d], 1), b: constant([d], 0) } : null);
    // Residual branches start small, so a deep stack begins close to the identity.
    const branch = 1 / Math.sqrt(d) / Math.sqrt(2 * c.layers);
    // Embeddings as one-hot ids times a matrix: every backend has the matmul gradient, while
    // gather's (UnsortedSegmentSum) is missing on wasm.
    this.wte = param([vocab, d], 1);
    this.wpe = c.posEncoding === 'learned' ? param([c.blockSize, d], 1) : null;
    this.sinusoid = c.posEncoding === 'sinusoidal' ? sinusoid(c.blockSize, d) : null;
    this.mask = tf.linalg
      .bandPart(tf.ones([c.blockSize, c.blockSize]), -1, 0)
      .sub(1)
      .mul(1e9) as tf.Tensor2D;
    for (let l = 0; l < c.layers; l++) {
      this.layers.push({
        ln1: c.attention ? norm() : null,
        attn: c.attention ? { wqkv: param([d, 3 * d], 1 / Math.sqrt(d), true), wo: param([d, d], branch, true) } : null,
        ln2: c.mlp ? norm() : null,
        mlp: c.mlp
          ? {
              w1: param([d, hidden], 1 / Math.sqrt(d), true),
              b1: constant([hidden], 0),
              w2: param([hidden, d], branch * Math.sqrt(d / hidden), true),
              b2: constant([d], 0),
            }
          : null,
      });
    }
    this.lnf = norm();
    this.head = param([d, vocab], 1 / Math.sqrt(d), true);
  }

  params(): number {
    return this.vars.reduce((s, v) => s + v.size, 0);
  }

  dispose(): void {
    tf.dispose([...this.vars, this.mask, ...(this.sinusoid ? [this.sinusoid] : [])]);
  }

  private norm(x: tf.Tensor, n: Norm | null): tf.Tensor {
    if (!n) return x;
    const { mean, variance } = tf.moments(x, -1, true);
    return x
      .sub(mean)
      .mul(tf.rsqrt(variance.add(1e-5)))
      .mul(n.g)
      .add(n.b);
  }

  /** Each dropout mask has its own seed, `seed:count`, so a run's masks follow from its seed. */
  private drop(x: tf.Tensor, training: boolean): tf.Tensor {
    if (!training || this.c.dropout === 0) return x;
    return tf.dropout(x, this.c.dropout, undefined, `${this.seed}:${this.dropoutCalls++}`);
  }

  private attend(x: tf.Tensor, w: NonNullable<Layer['attn']>, B: number, T: number, training: boolean): tf.Tensor {
    const { dModel: d, heads: H } = this.c;
    const dh = d / H;
    const heads = (t: tf.Tensor) => t.reshape([B, T, H, dh]).transpose([0, 2, 1, 3]);
    const [q, k, v] = tf.split(linear(x.reshape([B * T, d]), w.wqkv), 3, 1).map(heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const scores = tf
      .matMul(q, k, false, true)
      .mul(1 / Math.sqrt(dh))
      .add(this.mask.slice([0, 0], [T, T]));
    const att = this.drop(tf.softmax(scores), training);
    const y = tf
      .matMul(att, v)
      .transpose([0, 2, 1, 3])
      .reshape([B * T, d]);
    return linear(y, w.wo).reshape([B, T, d]);
  }

  private feedForward(x: tf.Tensor, w: NonNullable<Layer['mlp']>, B: number, T: number): tf.Tensor {
    const h = linear(x.reshape([B * T, this.c.dModel]), w.w1).add(w.b1);
    const gelu = h.mul(tf.sigmoid(h.mul(1.702))); // GELU, sigmoid approximation
    return linear(gelu, w.w2).add(w.b2).reshape([B, T, this.c.dModel]);
  }

  /** ids [B, T] → logits [B, T, vocab], for any T up to blockSize. */
  forward(ids: tf.Tensor2D, training: boolean): tf.Tensor3D {
    const [B, T] = ids.shape;
    const { dModel: d, residual } = this.c;
    let x: tf.Tensor = linear(tf.oneHot(ids.reshape([B * T]), this.vocab), this.wte).reshape([B, T, d]);
    if (this.wpe) x = x.add(this.wpe.slice([0, 0], [T, d]));
    if (this.sinusoid) x = x.add(this.sinusoid.slice([0, 0], [T, d]));
    x = this.drop(x, training);
    for (const L of this.layers) {
      if (L.attn) {
        const a = this.drop(this.attend(this.norm(x, L.ln1), L.attn, B, T, training), training);
        x = residual ? x.add(a) : a;
      }
      if (L.mlp) {
        const m = this.drop(this.feedForward(this.norm(x, L.ln2), L.mlp, B, T), training);
        x = residual ? x.add(m) : m;
      }
    }
    x = this.norm(x, this.lnf);
    return linear(x.reshape([B * T, d]), this.head).reshape([B, T, this.vocab]);
  }

  /** Mean cross-entropy in nats of predicting y from x. */
  loss(x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
    const logits = this.forward(x, true);
    return tf.logSoftmax(logits).mul(tf.oneHot(y, this.vocab)).sum(-1).mean().neg() as tf.Scalar;
  }
}

function sinusoid(T: number, d: number): tf.Tensor2D {
  const values = new Float32Array(T * d);
  for (let p = 0; p < T; p++) {
    for (let i = 0; i < d; i++) {
      const angle = p / 10000 ** ((2 * Math.floor(i / 2)) / d);
      values[p * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tf.tensor2d(values, [T, d]);
}

/** AdamW with global-norm gradient clipping. */
class AdamW {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly model: Model,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.95,
  ) {
    this.m = model.vars.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = model.vars.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** One step; returns the loss before it (nats). */
  step(lossFn: () => tf.Scalar, lr: number): number {
    this.t++;
    const { beta1: b1, beta2: b2, t } = this;
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn, this.model.vars);
      const gs = this.model.vars.map((p) => grads[p.name]!);
      const norm = tf.sqrt(tf.addN(gs.map((g) => g.square().sum())));
      const scale = tf.minimum(1, tf.div(1, norm.add(1e-6)));
      this.model.vars.forEach((p, i) => {
        const g = gs[i]!.mul(scale);
        const m = this.m[i]!;
        const v = this.v[i]!;
        m.assign(m.mul(b1).add(g.mul(1 - b1)));
        v.assign(v.mul(b2).add(g.square().mul(1 - b2)));
        const update = m.div(1 - b1 ** t).div(
          v
            .div(1 - b2 ** t)
            .sqrt()
            .add(1e-8),
        );
        const decay = this.model.decayed.has(p) ? p.mul(config.weightDecay) : 0;
        p.assign(p.sub(update.add(decay).mul(lr)));
      });
      return value.dataSync()[0]!;
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Random training windows from a seeded generator: the same seed gives the same batches. */
function batcher(data: TrainingData, seed: number) {
  const rng = mulberry32(seed ^ 0x5bd1e995);
  const { batchSize: B, blockSize: T } = config;
  const span = data.train.length - T - 1;
  if (span < 1) throw new UsageError(`the training text (${data.train.length} characters) is shorter than blockSize + 1 = ${T + 1}`);
  return (): [tf.Tensor2D, tf.Tensor2D] => {
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const start = Math.floor((rng() / 4294967296) * span);
      x.set(data.train.subarray(start, start + T), b * T);
      y.set(data.train.subarray(start + 1, start + T + 1), b * T);
    }
    return [tf.tensor2d(x, [B, T], 'int32'), tf.tensor2d(y, [B, T], 'int32')];
  };
}

function trainStep(model: Model, opt: AdamW, next: () => [tf.Tensor2D, tf.Tensor2D], lr: number): number {
  const [x, y] = next();
  const loss = opt.step(() => model.loss(x, y), lr);
  x.dispose();
  y.dispose();
  return loss;
}

/** Seconds per step of this config, roughly, for a provisional plan: timed on a throwaway model (the helpers' timeSteps, about 1 s); the real model's lead-in corrects it. */
function secondsPerStep(data: TrainingData, budgetS: number): number {
  const model = new Model(config, data.vocab.length, 999_999);
  const opt = new AdamW(model);
  const next = batcher(data, 999_999);
  try {
    return timeSteps(() => trainStep(model, opt, next, 0), budgetS);
  } finally {
    model.dispose();
    opt.dispose();
  }
}

/** Values a step's cost does not depend on (dropout only by being on or off). */
const COST_FREE = ['lr', 'warmup', 'weightDecay', 'dropout'];

/**
 * This file's step cost as a key: its text with the COST_FREE values blanked, and whether dropout
 * is on. Configurations with one key share a step plan (planSteps' shape), so a change of learning
 * rate trains the steps its shape was timed at instead of timing a throwaway model again; a change
 * to any other line, code included, is a new key.
 */
function shapeKey(): string {
  let text = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  for (const name of COST_FREE) text = text.replace(new RegExp(`^(\\s*${name}: )[^,]+,`, 'm'), '$1_,');
  return createHash('sha256')
    .update(`${text}\0dropout ${config.dropout > 0}`)
    .digest('hex')
    .slice(0, 16);
}

// ---- The model on disk (the helpers' checkpoint: model.json and weights.bin): what `predict` loads ----

/** The checkpoint's meta: the config the model was built with, its vocabulary size, and each variable's shape. */
const ModelMeta = z
  .object({
    config: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
    vocab: z.number().int().positive(),
    shapes: z.array(z.array(z.number().int().positive())),
  })
  .strict();

function saveModel(model: Model, outDir: string): void {
  const meta: z.infer<typeof ModelMeta> = { config: model.c, vocab: model.vocab, shapes: model.vars.map((v) => v.shape) };
  saveCheckpoint(
    meta,
    model.vars.map((v) => v.dataSync() as Float32Array),
    outDir,
  );
}

/** Rebuilds the saved model: its own config (not today's text of this file), then its weights. */
function loadModel(outDir: string): Model {
  const { meta, arrays } = loadCheckpoint(outDir);
  const file = ModelMeta.safeParse(meta);
  if (!file.success) throw new Error(`the model in NIGHTSHIFT_OUT=${outDir} has no readable config (${file.error.issues[0]!.message})`);
  const model = new Model({ ...config, ...file.data.config } as Config, file.data.vocab, 0);
  if (file.data.shapes.join(';') !== model.vars.map((v) => v.shape).join(';') || arrays.length !== model.vars.length) {
    throw new Error(`the model in NIGHTSHIFT_OUT=${outDir} does not match its config`);
  }
  for (const [i, v] of model.vars.entries()) v.assign(tf.tensor(arrays[i]!, v.shape));
  return model;
}

function predictor(model: Model): Predictor {
  return {
    context: model.c.blockSize,
    vocab: model.vocab,
    logits: (ids, rows, length) => tf.tidy(() => model.forward(tf.tensor2d(ids, [rows, length], 'int32'), false).dataSync() as Float32Array),
  };
}

async function train(env: ReturnType<typeof readEnv>, backend: string): Promise<void> {
  const data = loadData(env.dataPath, env.cacheDir);
  const plan = await planSteps(env, () => secondsPerStep(data, env.budgetS), shapeKey());
  const given = env.steps === undefined ? `NIGHTSHIFT_SHAPE_STEPS for shape ${plan.shape}` : 'NIGHTSHIFT_STEPS';
  const planned = plan.measured
    ? `a provisional ${plan.steps} steps for ${env.budgetS} s (timed now), re-planned after a lead-in of ${plan.leadIn} real steps`
    : `${plan.steps} steps planned for ${env.budgetS} s (${given})`;
  console.log(
    `train.ts: experiment ${env.experimentId ?? '(by hand)'}, ${backend}, ${data.origin} data${data.cached ? ' (NIGHTSHIFT_CACHE)' : ''}, ${planned}`,
  );

  const model = new Model(config, data.vocab.length, env.seed);
  const opt = new AdamW(model);
  const next = batcher(data, env.seed);
  const tokensPerStep = config.batchSize * config.blockSize;
  let losses: number[] = [];
  let lastLoss = NaN;
  let step = 0;
  let diverged = false;
  plan.start();
  while (plan.running(step)) {
    const loss = trainStep(model, opt, next, learningRate(plan.progress(step)));
    step++;
    if (!Number.isFinite(loss)) {
      diverged = true;
      break;
    }
    losses.push(loss / Math.LN2);
    if (step % plan.reportEvery === 0 || step === plan.steps) {
      lastLoss = losses.reduce((a, b) => a + b, 0) / losses.length;
      losses = [];
      reportStep(step, { elapsed_s: plan.elapsedS(), train_loss: lastLoss, tokens_per_s: (step * tokensPerStep) / plan.elapsedS() });
    }
  }
  if (losses.length > 0) lastLoss = losses.reduce((a, b) => a + b, 0) / losses.length;
  const budget = plan.facts(step);
  // Saved even when diverged: its non-finite logits are how the evaluation sees the divergence.
  if (env.outDir) saveModel(model, env.outDir);
  const facts = { ...budget, params: model.params(), tokens_per_s: (step * tokensPerStep) / budget.elapsed_s, backend };
  reportFinal(diverged ? { diverged: true, train_loss: null, ...facts } : { train_loss: lastLoss, ...facts }, tf);
}

async function main(): Promise<void> {
  const mode = process.argv[2];
  if (mode !== undefined && mode !== 'predict')
    throw new UsageError(`unknown mode ${mode}: run train.ts to train, train.ts predict to serve the trained model`);
  const env = readEnv();
  if (config.dModel % config.heads !== 0) throw new UsageError(`dModel ${config.dModel} is not divisible by heads ${config.heads}`);
  const backend = await selectBackend(requestedBackend());
  if (mode === undefined) return train(env, backend);
  if (!env.outDir) throw new UsageError('NIGHTSHIFT_OUT is not set: predict loads the model training saved there');
  await servePredictions(predictor(loadModel(env.outDir)));
}

runMain('train.ts', main, explainBackendError);
