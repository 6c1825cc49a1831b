"""The evaluation, read-only: experiments cannot change it. nightshift runs it after training, in a
folder of its own holding the read-only and hidden files. It builds the model from the workspace's
model.py (NIGHTSHIFT_WORKSPACE), loads the weights training saved (NIGHTSHIFT_OUT), and scores
val.txt, which training never sees: val_loss is the mean cross-entropy in nats per character over
every character of it after the first, each predicted from the up to block_size characters before
it in its window. No sampling: the same weights always give the same number.
"""
import os
import sys

import nightshift as ns
import torch
import torch.nn.functional as F


def main():
    env = ns.read_env()
    workspace = os.environ.get("NIGHTSHIFT_WORKSPACE")
    if not workspace:
        raise ns.UsageError("NIGHTSHIFT_WORKSPACE is not set: nightshift runs evaluate.py after training")
    sys.path.insert(0, workspace)
    from model import GPT

    meta, state = ns.load_checkpoint(env.out_dir, map_location="cpu")
    stoi = {ch: i for i, ch in enumerate(meta["vocab"])}
    with open("val.txt", encoding="utf-8") as f:
        val = f.read()
    unknown = sorted(set(val) - set(stoi))
    if unknown:
        raise ns.UsageError(f"val.txt has characters the training text lacks: {''.join(unknown)!r}")
    ids = torch.tensor([stoi[c] for c in val], dtype=torch.long)

    config = meta["config"]
    model = GPT(len(stoi), **config)
    model.load_state_dict(state)
    model.eval()
    T = config["block_size"]
    total, count = 0.0, 0
    with torch.no_grad():
        # Windows of T inputs, each scoring the T characters that follow its inputs, end to end.
        for start in range(0, len(ids) - 1, T):
            x = ids[start : start + T + 1]
            logits, _ = model(x[None, :-1])
            total += F.cross_entropy(logits[0], x[1:], reduction="sum").item()
            count += len(x) - 1
    ns.report_final(val_loss=total / count, chars=count)


if __name__ == "__main__":
    ns.run_main("evaluate.py", main)
