"""The metric (read-only): val_bpb, the model's cross-entropy in bits per character over every
character of the fixed validation text, and floor_bpb, the source's own (synthetic data only).
The same measurement as the TensorFlow.js sandbox's evaluate.ts.

A model with context length T reads windows of exactly T characters taken from
val_context + val. Windows advance by S = ceil(T/2) and each scores only its last S targets
(the first window's scored targets start at val[0]), so every validation character is scored
exactly once, with between T-S+1 and T characters of context. Nothing here depends on the
training batch size, dropout or optimizer; windows go through the model in fixed batches of
EVAL_BATCH, and the log-softmax is taken here in float32, so the scores are always normalised.
"""
import math

import torch

from protocol import UsageError
from source import conditional_bits

EVAL_BATCH = 16


@torch.no_grad()
def val_bpb(data, context_length, forward, device):
    """forward: int64 [batch, T] ids on `device` -> [batch, T, vocab] logits, in eval mode."""
    T = context_length
    C = len(data.val_context)
    if not isinstance(T, int) or T < 1 or T > C:
        raise UsageError(f"context length {T} must be a whole number from 1 to {C}, the context the evaluation provides")
    ids = torch.tensor(data.val_context + data.val, dtype=torch.long, device=device)
    S = math.ceil(T / 2)
    windows = []  # (input start, scored targets)
    for a in range(C, len(ids), S):
        e = min(a + S, len(ids))
        windows.append((e - 1 - T, e - a))
    offsets = torch.arange(T, device=device)
    nats = 0.0
    for b in range(0, len(windows), EVAL_BATCH):
        batch = windows[b:b + EVAL_BATCH]
        starts = torch.tensor([w[0] for w in batch], device=device)[:, None] + offsets
        logits = forward(ids[starts])
        expected = (len(batch), T, len(data.vocab))
        if tuple(logits.shape) != expected:
            raise ValueError(f"forward returned shape {tuple(logits.shape)}, expected {expected}")
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, ids[starts + 1][..., None])[..., 0]
        for i, (_, scored) in enumerate(batch):
            nats -= logp[i, T - scored:].double().sum().item()
    return nats / math.log(2) / len(data.val)


def floor_bpb(data):
    """The source's exact bits per character on val given val_context; None for user text."""
    if data.source is None:
        return None
    text = "".join(data.vocab[i] for i in data.val_context + data.val)
    return conditional_bits(data.source, text, len(data.val_context)) / len(data.val)
