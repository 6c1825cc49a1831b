"""The synthetic corpus's source: a hidden Markov model whose hidden state is (topic, grammar
node) and whose every step emits one unit (a word with its leading space, or punctuation).
Because the model is known, the forward algorithm gives the exact probability of any text under
it, so the best cross-entropy any predictor could reach (the floor) is computable.
Read-only. The same code as the TensorFlow.js sandbox's source.ts: for the same seed both
produce the same characters. The grammar lives in source.json.
"""
import json
import math
import os

MASK = 0xFFFFFFFF


class Table:
    """Integer weights with their running sums, so a draw is exact integer arithmetic."""

    def __init__(self, pairs):
        self.items = [p[0] for p in pairs]
        self.weights = [p[1] for p in pairs]
        self.cum = []
        total = 0
        for w in self.weights:
            total += w
            self.cum.append(total)
        self.total = total


def _merged(pairs):
    """Sums the weights of repeated keys, keeping first-seen order (as source.ts does)."""
    sums = {}
    for k, w in pairs:
        sums[k] = sums.get(k, 0) + w
    return list(sums.items())


def _check(grammar):
    for key in ("topicStay", "topicMove", "formWeights", "sentence", "nodes", "common", "topics"):
        if key not in grammar:
            raise ValueError(f"source grammar: missing {key}")


class Source:
    """The HMM; state index = topic index x node count + node index."""

    def __init__(self, grammar):
        _check(grammar)
        topics = list(grammar["topics"])
        nodes = list(grammar["nodes"])

        def node_index(name):
            if name not in nodes:
                raise ValueError(f"source grammar: unknown node {name}")
            return nodes.index(name)

        sentence = [(node_index(n), w) for n, w in grammar["sentence"]]
        self.states = []  # (name, units Table, next Table)
        for k, topic in enumerate(topics):
            for name in nodes:
                node = grammar["nodes"][name]
                emit = node["emit"]
                if "words" in emit:
                    units = [(u, w) for u, w in emit["words"]]
                else:
                    lex, form = emit["lex"], emit["form"]
                    words = grammar["topics"][topic].get(lex, []) + grammar["common"].get(lex, [])
                    if not words:
                        raise ValueError(f"source grammar: no words for {lex} in {topic}")
                    units = []
                    for rank, forms in enumerate(words):
                        zipf = 840 // (rank + 1)
                        if form == "any":
                            fw = grammar["formWeights"]
                            plural = forms[1] if len(forms) > 1 else forms[0]
                            units += [(" " + forms[0], zipf * fw[0]), (" " + plural, zipf * fw[1])]
                        else:
                            units.append((" " + (forms[form] if form < len(forms) else forms[0]), zipf))
                if node["next"] == "sentence":
                    stay, move = grammar["topicStay"], grammar["topicMove"]
                    nxt = [(k2 * len(nodes) + n, (stay if k2 == k else move) * w)
                           for k2 in range(len(topics)) for n, w in sentence]
                else:
                    nxt = [(k * len(nodes) + node_index(n), w) for n, w in node["next"]]
                self.states.append((f"{topic}/{name}", Table(_merged(units)), Table(nxt)))
        self.initial = Table([(k * len(nodes) + n, w) for k in range(len(topics)) for n, w in sentence])
        self.alphabet = sorted({c for _, units, _ in self.states for u in units.items for c in u})


def load_default_source():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "source.json"), encoding="utf-8") as f:
        return Source(json.load(f))


def mulberry32(seed):
    """A small 32-bit generator, bit for bit the same as source.ts's."""
    state = seed & MASK

    def imul(a, b):
        return (a * b) & MASK

    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK
        a = state
        t = imul(a ^ (a >> 15), 1 | a)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & MASK) ^ t
        return (t ^ (t >> 14)) & MASK

    return nxt


def _draw(table, rng):
    x = (rng() * table.total) >> 32
    i = 0
    while table.cum[i] <= x:
        i += 1
    return table.items[i]


def sample(source, seed, length):
    """The first `length` characters of one stream from the source, from a sentence start."""
    rng = mulberry32(seed)
    parts = []
    size = 0
    s = _draw(source.initial, rng)
    while size < length:
        _, units, nxt = source.states[s]
        unit = _draw(units, rng)
        parts.append(unit)
        size += len(unit)
        s = _draw(nxt, rng)
    return "".join(parts)[:length]


def conditional_bits(source, text, start):
    """Forward algorithm over (state, unit, position) hypotheses: the total bits
    -sum log2 P(text[i] | text[:i]) for i in [start, len(text)). Raises if the text is impossible."""
    starts = []
    for _, units, _ in source.states:
        by_char = {}
        for unit, w in zip(units.items, units.weights):
            by_char.setdefault(unit[0], []).append((unit, w / units.total))
        starts.append(by_char)
    beta = {}
    for s, w in zip(source.initial.items, source.initial.weights):
        beta[s] = beta.get(s, 0.0) + w / source.initial.total
    hyps = []  # (state, unit, pos, weight)
    bits = 0.0
    for i, c in enumerate(text):
        nxt = []
        if i > 0:
            beta = {}
            for s, unit, pos, w in hyps:
                if pos == len(unit):
                    t = source.states[s][2]
                    for s2, w2 in zip(t.items, t.weights):
                        beta[s2] = beta.get(s2, 0.0) + w * w2 / t.total
                elif unit[pos] == c:
                    nxt.append((s, unit, pos + 1, w))
        for s in sorted(beta):
            b = beta[s]
            for unit, p in starts[s].get(c, ()):
                nxt.append((s, unit, 1, b * p))
        total = sum(h[3] for h in nxt)
        if not total > 0:
            raise ValueError(f"the source cannot produce character {i} ({c!r})")
        if i >= start:
            bits -= math.log2(total)
        hyps = [(s, u, p, w / total) for s, u, p, w in nxt]
    return bits
