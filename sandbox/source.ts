/**
 * The synthetic corpus's source: a hidden Markov model whose hidden state is (topic, grammar
 * node) and whose every step emits one unit (a word with its leading space, or punctuation).
 * Because the model is known, the forward algorithm gives the exact probability of any text
 * under it, so the best cross-entropy any predictor could reach (the floor) is computable.
 * Read-only: the grammar lives in source.json; templates/torch/source.py is the same code.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Pair = <T extends z.ZodType>(item: T) => z.tuple([item, z.number().int().positive()]);

const Emit = z.union([
  z.object({ words: z.array(Pair(z.string().min(1))).min(1) }).strict(),
  z.object({ lex: z.string().min(1), form: z.union([z.number().int().nonnegative(), z.literal('any')]) }).strict(),
]);

const Words = z.array(z.array(z.string().regex(/^[a-z]+$/)).min(1));

export const GrammarSchema = z
  .object({
    about: z.string().optional(),
    topicStay: z.number().int().positive(),
    topicMove: z.number().int().nonnegative(),
    formWeights: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    sentence: z.array(Pair(z.string())).min(1),
    nodes: z.record(z.string(), z.object({ emit: Emit, next: z.union([z.array(Pair(z.string())).min(1), z.literal('sentence')]) }).strict()),
    common: z.record(z.string(), Words),
    topics: z.record(z.string(), z.record(z.string(), Words)),
  })
  .strict();

export type Grammar = z.infer<typeof GrammarSchema>;

/** Integer weights with their running sums, so a draw is exact integer arithmetic. */
export interface Table<T> {
  items: T[];
  weights: number[];
  cum: number[];
  total: number;
}

export interface State {
  name: string;
  units: Table<string>;
  next: Table<number>;
}

export interface Source {
  states: State[];
  initial: Table<number>;
  /** Every character the source can emit, sorted by code point. */
  alphabet: string[];
}

function table<T>(pairs: Array<[T, number]>): Table<T> {
  const cum: number[] = [];
  let total = 0;
  for (const [, w] of pairs) cum.push((total += w));
  return { items: pairs.map((p) => p[0]), weights: pairs.map((p) => p[1]), cum, total };
}

/** Sums the weights of repeated keys, keeping first-seen order (the same in every language). */
function merged<T>(pairs: Array<[T, number]>): Array<[T, number]> {
  const sums = new Map<T, number>();
  for (const [k, w] of pairs) sums.set(k, (sums.get(k) ?? 0) + w);
  return [...sums];
}

/** Builds the HMM; state index = topic index × node count + node index. */
export function buildSource(raw: unknown): Source {
  const g = GrammarSchema.parse(raw);
  const topics = Object.keys(g.topics);
  const nodes = Object.keys(g.nodes);
  const nodeIndex = (name: string): number => {
    const i = nodes.indexOf(name);
    if (i < 0) throw new Error(`source grammar: unknown node ${name}`);
    return i;
  };
  const sentence = g.sentence.map(([n, w]) => [nodeIndex(n), w] as [number, number]);
  const topicWeight = (from: number, to: number) => (from === to ? g.topicStay : g.topicMove);
  const states: State[] = [];
  topics.forEach((topic, k) => {
    nodes.forEach((name) => {
      const node = g.nodes[name]!;
      let units: Array<[string, number]>;
      if ('words' in node.emit) {
        units = node.emit.words;
      } else {
        const { lex, form } = node.emit;
        const list = [...(g.topics[topic]![lex] ?? []), ...(g.common[lex] ?? [])];
        if (list.length === 0) throw new Error(`source grammar: no words for ${lex} in ${topic}`);
        units = [];
        list.forEach((forms, rank) => {
          const zipf = Math.floor(840 / (rank + 1));
          if (form === 'any') {
            units.push([` ${forms[0]}`, zipf * g.formWeights[0]], [` ${forms[1] ?? forms[0]}`, zipf * g.formWeights[1]]);
          } else {
            units.push([` ${forms[form] ?? forms[0]}`, zipf]);
          }
        });
      }
      const next: Array<[number, number]> =
        node.next === 'sentence'
          ? topics.flatMap((_, k2) => sentence.map(([n, w]) => [k2 * nodes.length + n, topicWeight(k, k2) * w] as [number, number]))
          : node.next.map(([n, w]) => [k * nodes.length + nodeIndex(n), w]);
      states.push({ name: `${topic}/${name}`, units: table(merged(units)), next: table(next) });
    });
  });
  const initial = table(topics.flatMap((_, k) => sentence.map(([n, w]) => [k * nodes.length + n, w] as [number, number])));
  const chars = new Set<string>();
  for (const s of states) for (const u of s.units.items) for (const c of u) chars.add(c);
  const alphabet = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return { states, initial, alphabet };
}

export function loadDefaultSource(): Source {
  return buildSource(JSON.parse(readFileSync(new URL('./source.json', import.meta.url), 'utf8')));
}

/** mulberry32: a small 32-bit generator that source.py reproduces bit for bit. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** One exact draw: floor(r·total/2^32) is below 2^53, so no rounding anywhere. */
function draw<T>(t: Table<T>, rng: () => number): T {
  const x = Math.floor((rng() * t.total) / 4294967296);
  let i = 0;
  while (t.cum[i]! <= x) i++;
  return t.items[i]!;
}

/** The first `length` characters of one stream from the source, starting at a sentence start. */
export function sample(source: Source, seed: number, length: number): string {
  const rng = mulberry32(seed);
  const parts: string[] = [];
  let size = 0;
  let s = draw(source.initial, rng);
  while (size < length) {
    const state = source.states[s]!;
    const unit = draw(state.units, rng);
    parts.push(unit);
    size += unit.length;
    s = draw(state.next, rng);
  }
  return parts.join('').slice(0, length);
}

interface Start {
  unit: string;
  p: number;
}

/**
 * Forward algorithm over (state, unit, position-in-unit) hypotheses: returns the total bits
 * -Σ log2 P(text[i] | text[0..i)) for i in [from, text.length), the source's own code length
 * for that part of the text given everything before it. Throws if the text is impossible.
 */
export function conditionalBits(source: Source, text: string, from: number): number {
  const n = source.states.length;
  const starts = source.states.map((st) => {
    const byChar = new Map<string, Start[]>();
    st.units.items.forEach((unit, i) => {
      const list = byChar.get(unit[0]!) ?? [];
      list.push({ unit, p: st.units.weights[i]! / st.units.total });
      byChar.set(unit[0]!, list);
    });
    return byChar;
  });
  const beta = new Float64Array(n);
  source.initial.items.forEach((s, i) => {
    beta[s]! += source.initial.weights[i]! / source.initial.total;
  });
  let hyps: Array<{ s: number; unit: string; pos: number; w: number }> = [];
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next: typeof hyps = [];
    if (i > 0) {
      beta.fill(0);
      for (const h of hyps) {
        if (h.pos === h.unit.length) {
          const t = source.states[h.s]!.next;
          for (let j = 0; j < t.items.length; j++) beta[t.items[j]!]! += (h.w * t.weights[j]!) / t.total;
        } else if (h.unit[h.pos] === c) {
          next.push({ s: h.s, unit: h.unit, pos: h.pos + 1, w: h.w });
        }
      }
    }
    for (let s = 0; s < n; s++) {
      if (beta[s] === 0) continue;
      for (const st of starts[s]!.get(c) ?? []) next.push({ s, unit: st.unit, pos: 1, w: beta[s]! * st.p });
    }
    let total = 0;
    for (const h of next) total += h.w;
    if (!(total > 0)) throw new Error(`the source cannot produce character ${i} (${JSON.stringify(c)})`);
    if (i >= from) bits -= Math.log2(total);
    for (const h of next) h.w /= total;
    hyps = next;
  }
  return bits;
}
