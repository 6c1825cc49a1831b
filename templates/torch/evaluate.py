"""The evaluation (hidden: training never sees this file, nor the validation text it builds). It
reaches the trained model only through the predictor (`python3 train.py predict`), over pipes
nightshift relays: each request is an `@ns {"request": …}` line on stdout; the answer comes back on
stdin, one JSON object per line (docs/design.md, "The sequence-model predictor messages").

val_bpb is the model's cross-entropy in bits per character over every character of the fixed
validation text, and floor the source's own (synthetic data only). The same measurement as the
TensorFlow.js sandbox's: a model with context length T reads windows of exactly T characters
taken from context + val. Windows advance by S = ceil(T/2) and each scores only its last S
targets (the first window's scored targets start at val[0]), so every validation character is
scored exactly once, with between T-S+1 and T characters of context. Windows go out in fixed
batches of EVAL_BATCH and the log-softmax is taken here, so the scores are always normalised.

The causality probe: PROBE_WINDOWS windows, picked with this process's own randomness (never the
run's seed), are sent again untouched and with every token after a random cut replaced by random
tokens, at random points among the main requests. Log-probabilities up to the cut must match the
untouched window's, and the untouched window's its main-pass ones, within TOLERANCE; otherwise
the model reads tokens it is scored on and the run is invalid.
"""
import json
import math
import secrets
import sys
from dataclasses import dataclass

import numpy as np
from nightshift import UsageError, decode_logits, read_env, report, run_main

from prepare import VAL_CHARS, encode, read_user_text, user_split, user_vocab
from source import Source, conditional_bits, load_default_source, sample

CONTEXT_CHARS = 1024
# The validation stream's seed: a different stream of the same source as the training text.
VAL_STREAM_SEED = 20_240_602
EVAL_BATCH = 16
PROBE_WINDOWS = 16
TOLERANCE = 1e-3
FUTURE = "predictions depend on future tokens"


@dataclass
class Validation:
    vocab: list  # token id -> character, the same as training's
    context: list  # token ids a model may read before val[0], never scored
    val: list  # the scored token ids
    source: Source | None  # the generating source when synthetic (then the floor is known)


def synthetic_validation():
    source = load_default_source()
    stream = sample(source, VAL_STREAM_SEED, CONTEXT_CHARS + VAL_CHARS)
    v = source.alphabet
    return Validation(v, encode(stream[:CONTEXT_CHARS], v), encode(stream[CONTEXT_CHARS:], v), source)


def user_validation(path):
    chars = read_user_text(path)
    split, vocab = user_split(chars), user_vocab(chars)
    return Validation(vocab, encode(chars[max(0, split - CONTEXT_CHARS):split], vocab), encode(chars[split:], vocab), None)


def floor_bpb(data):
    """The source's exact bits per character on val given its context; None for user text."""
    if data.source is None:
        return None
    text = "".join(data.vocab[i] for i in data.context + data.val)
    return conditional_bits(data.source, text, len(data.context)) / len(data.val)


class PredictorError(Exception):
    """The predictor broke the message format or stopped answering: one stderr line, exit 1."""


class Predictor:
    """The model behind the pipes: one request out, one answer back, in order."""

    def __init__(self, vocab):
        self.vocab = vocab
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("stdin is not the predictor's answers: nightshift runs evaluate.py with its predictor behind stdin and stdout")

    def ask(self, request):
        # A request is an @ns line on stdout; nightshift relays it to the predictor and its answer to stdin.
        try:
            print("@ns " + json.dumps({"request": request}, separators=(",", ":")), flush=True)
        except BrokenPipeError:
            raise PredictorError(f"nightshift stopped reading requests (at {request['op']})") from None
        line = sys.stdin.readline()
        if not line:
            raise PredictorError(f"the predictor gave no answer to a {request['op']} request")
        try:
            answer = json.loads(line)
        except ValueError:
            raise PredictorError(f"the predictor's answer is not JSON: {line[:80]}") from None
        if not isinstance(answer, dict):
            raise PredictorError(f"the predictor's answer is not a JSON object: {line[:80]}")
        return answer

    def context(self):
        T = self.ask({"op": "info"}).get("context")
        if type(T) is not int or T < 1:
            raise PredictorError(f"the predictor's context {T!r} is not a positive whole number")
        return T

    def log_probs(self, rows):
        """rows: int64 [B, L] -> float64 [B, L, V] log-probabilities of the next token."""
        answer = self.ask({"op": "predict", "inputs": rows.tolist()})
        expected = [*rows.shape, self.vocab]
        if answer.get("shape") != expected or not isinstance(answer.get("logits"), str):
            raise PredictorError(f"the predictor answered {json.dumps(answer)[:80]}, expected shape {expected} and base64 logits")
        try:
            logits = decode_logits(answer["logits"], expected).astype(np.float64)
        except ValueError as e:
            raise PredictorError(f"the predictor's logits cannot be read ({e})") from None
        top = logits.max(-1, keepdims=True)
        with np.errstate(invalid="ignore", over="ignore"):  # non-finite logits show as a null val_bpb
            return logits - top - np.log(np.exp(logits - top).sum(-1, keepdims=True))


def windows(n_context, n_ids, T):
    """(input start, scored targets) of every window over ids = context + val."""
    S = math.ceil(T / 2)
    return [(min(a + S, n_ids) - 1 - T, min(a + S, n_ids) - a) for a in range(n_context, n_ids, S)]


@dataclass
class Probe:
    picked: list  # window indices, chosen with the evaluation's own randomness
    untouched: np.ndarray  # int64 [P, T]: those windows as they are
    changed: np.ndarray | None  # int64 [P, T]: the same with random tokens after each cut; None when T = 1
    cuts: list  # the last position kept of each changed row


def make_probe(ids, wins, T, vocab, rng):
    picked = rng.sample(range(len(wins)), min(PROBE_WINDOWS, len(wins)))
    untouched = np.stack([ids[wins[i][0]:wins[i][0] + T] for i in picked])
    if T == 1:
        return Probe(picked, untouched, None, [])
    changed, cuts = untouched.copy(), []
    for row in changed:
        cut = rng.randrange(T - 1)
        row[cut + 1:] = [rng.randrange(vocab) for _ in range(T - cut - 1)]
        cuts.append(cut)
    return Probe(picked, untouched, changed, cuts)


def schedule(n_windows, probe, rng):
    """The requests in order: ("main", window indices) per batch, and the probe's two requests at
    random points among them, so a predictor cannot tell them by their place in the sequence."""
    jobs = [("main", list(range(b, min(b + EVAL_BATCH, n_windows)))) for b in range(0, n_windows, EVAL_BATCH)]
    for kind, rows in [("untouched", probe.untouched), ("changed", probe.changed)]:
        if rows is not None:
            jobs.insert(rng.randrange(len(jobs) + 1), (kind, rows))
    return jobs


def same(a, b):
    """Log-probabilities agree: within TOLERANCE, or identical (both -inf)."""
    return bool(np.all((a == b) | (np.abs(a - b) <= TOLERANCE)))


def causal(probe, main_pass, answers):
    """The untouched windows match the main pass, and the changed ones match them up to each cut."""
    if not all(same(answers["untouched"][k], main_pass[i]) for k, i in enumerate(probe.picked)):
        return False
    return probe.changed is None or all(same(answers["changed"][k, :c + 1], answers["untouched"][k, :c + 1]) for k, c in enumerate(probe.cuts))


def evaluate(predictor, data, rng):
    """Runs every request; returns (nats over val, whether the predictions are causal)."""
    T = predictor.context()
    if T > len(data.context):
        raise UsageError(f"context length {T} must be a whole number from 1 to {len(data.context)}, the context the evaluation provides")
    ids = np.array(data.context + data.val, dtype=np.int64)
    wins = windows(len(data.context), len(ids), T)
    probe = make_probe(ids, wins, T, len(data.vocab), rng)
    nats, main_pass, answers = 0.0, {}, {}
    for kind, job in schedule(len(wins), probe, rng):
        if kind != "main":
            answers[kind] = predictor.log_probs(job)
            continue
        logp = predictor.log_probs(np.stack([ids[wins[i][0]:wins[i][0] + T] for i in job]))
        for j, i in enumerate(job):
            start, scored = wins[i]
            nats -= logp[j, np.arange(T - scored, T), ids[start + T + 1 - scored:start + T + 1]].sum()
            if i in probe.picked:
                main_pass[i] = logp[j]
    return nats, causal(probe, main_pass, answers)


def main():
    env = read_env()
    data = synthetic_validation() if env.data_path is None else user_validation(env.data_path)
    nats, is_causal = evaluate(Predictor(len(data.vocab)), data, secrets.SystemRandom())
    floor = floor_bpb(data)
    floor_field = {} if floor is None else {"floor": floor}
    if not math.isfinite(nats):  # first: a NaN prediction matches nothing, so it would fail the probe too
        report(final=True, val_bpb=None, diverged=True, **floor_field)
    elif not is_causal:
        report(final=True, invalid=FUTURE)
    else:
        report(final=True, val_bpb=nats / math.log(2) / len(data.val), **floor_field)


if __name__ == "__main__":
    run_main("evaluate.py", main)
