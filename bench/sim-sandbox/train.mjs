// A simulated training script for benchmarks: it "trains" instantly and reports
// val_bpb = f(config) + noise, where f is planted in truth.json (read-only to the agent).
//
// truth.json:
//   base             the metric with every effect at zero
//   noiseSd          run-to-run SD of the metric
//   seedCorrelation  share (0..1) of the noise variance that depends on the seed alone, the same
//                    in every configuration (as with a fixed seed in real training); the rest
//                    depends on the seed and the configuration together. Default 0.
//   effects          {component: {value: effect}}: added when config[component] equals value
//                    (written as JSON text: "false", "none")
//   interactions     [{when: {component: value, ...}, effect}]: added when all of them hold
//   noiseScale       {component: {value: factor}}: the noise is multiplied by factor when
//                    config[component] equals value (an unstable configuration)
//   knobs            {knob: {optimum, curvature, scale: "log"|"linear", divergeAbove?, divergeBelow?}}
//                    adds curvature·(t(value) − t(optimum))², t = log10 or identity; outside the
//                    diverge bounds the run reports NaN. Or {knob: {values: {value: effect}}}.
// The noise is a deterministic function of NIGHTSHIFT_SEED and the configuration only.
import { readFileSync } from 'node:fs';

export const config = {
  residual: true, // @ablate false
  layerNorm: true, // @ablate false
  posEncoding: 'sinusoidal', // @ablate 'learned' 'none'
  gelu: true, // @ablate false
  bias: true, // @ablate false
  lr: 0.003, // @knob 1e-4..1e-2 log
  dropout: 0.1, // @knob 0..0.3
  heads: 4, // @knob 1 2 4 8
};

function fail(message) {
  console.error(`sim: ${message}`);
  process.exit(1);
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalFrom(seed) {
  const rng = mulberry32(seed);
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

// FNV-1a: a 32-bit seed from a string.
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function loadTruth() {
  let truth;
  try {
    truth = JSON.parse(readFileSync(new URL('./truth.json', import.meta.url), 'utf8'));
  } catch (e) {
    fail(`cannot read truth.json: ${e.message}`);
  }
  if (typeof truth.base !== 'number' || !(truth.noiseSd >= 0)) fail('truth.json needs a number "base" and "noiseSd" >= 0');
  const rho = truth.seedCorrelation ?? 0;
  if (!(rho >= 0 && rho <= 1)) fail('truth.json "seedCorrelation" must be in [0, 1]');
  return {
    ...truth,
    seedCorrelation: rho,
    effects: truth.effects ?? {},
    interactions: truth.interactions ?? [],
    knobs: truth.knobs ?? {},
    noiseScale: truth.noiseScale ?? {},
  };
}

function knobEffect(name, spec, value) {
  if (spec.values) return spec.values[JSON.stringify(value)] ?? spec.values[String(value)] ?? 0;
  if (typeof value !== 'number') fail(`knob ${name} has a response curve but its value ${JSON.stringify(value)} is not a number`);
  if (value > (spec.divergeAbove ?? Infinity) || value < (spec.divergeBelow ?? -Infinity)) return NaN;
  const t = spec.scale === 'log' ? (x) => Math.log10(x) : (x) => x;
  return spec.curvature * (t(value) - t(spec.optimum)) ** 2;
}

function expected(truth) {
  let value = truth.base;
  for (const [component, byValue] of Object.entries(truth.effects)) {
    if (!(component in config)) fail(`truth.json names a component "${component}" that config lacks`);
    const key = typeof config[component] === 'string' ? config[component] : JSON.stringify(config[component]);
    value += byValue[key] ?? 0;
  }
  for (const { when, effect } of truth.interactions) {
    if (Object.entries(when).every(([k, v]) => config[k] === v)) value += effect;
  }
  for (const [name, spec] of Object.entries(truth.knobs)) {
    if (!(name in config)) fail(`truth.json names a knob "${name}" that config lacks`);
    value += knobEffect(name, spec, config[name]);
  }
  return value;
}

const seedText = process.env.NIGHTSHIFT_SEED ?? '0';
const seed = Number(seedText);
if (!Number.isInteger(seed)) fail(`NIGHTSHIFT_SEED must be an integer, got ${seedText}`);
const truth = loadTruth();
const configText = JSON.stringify(
  Object.keys(config)
    .sort()
    .map((k) => [k, config[k]]),
);
const rho = truth.seedCorrelation;
let scale = 1;
for (const [component, byValue] of Object.entries(truth.noiseScale)) {
  const key = typeof config[component] === 'string' ? config[component] : JSON.stringify(config[component]);
  scale *= byValue[key] ?? 1;
}
const noise = scale * truth.noiseSd * (Math.sqrt(rho) * normalFrom(hash(`seed ${seed}`)) + Math.sqrt(1 - rho) * normalFrom(hash(`seed ${seed} ${configText}`)));
const valBpb = expected(truth) + noise;

console.log(`sim: seed ${seed}, config ${configText}`);
const steps = 3;
for (let step = 1; step <= steps; step++) {
  const trainLoss = Number.isFinite(valBpb) ? valBpb + 0.3 * (steps - step) + 0.05 : null;
  console.log(`@ns ${JSON.stringify({ step: step * 100, elapsed_s: step * 0.01, train_loss: trainLoss, tokens_per_s: 50000 })}`);
}
// JSON has no NaN; the protocol reads it bare (as Python writes it) as a diverged run.
const metricText = Number.isFinite(valBpb) ? JSON.stringify(valBpb) : 'NaN';
console.log(`@ns {"final":true,"val_bpb":${metricText},"train_loss":${metricText},"steps":${steps * 100},"params":1000}`);
