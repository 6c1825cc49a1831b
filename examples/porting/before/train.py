"""Trains a character-level language model on input.txt and prints its loss."""
import math

import torch

from model import GPT

# hyperparameters
batch_size = 16
block_size = 32
max_iters = 200
eval_interval = 100
eval_iters = 10
learning_rate = 3e-3
n_embd = 32
n_head = 4
n_layer = 2
dropout = 0.0
device = "cuda" if torch.cuda.is_available() else "cpu"

torch.manual_seed(1337)

with open("input.txt", encoding="utf-8") as f:
    text = f.read()
chars = sorted(set(text))
stoi = {ch: i for i, ch in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data))
train_data, val_data = data[:n], data[n:]


def get_batch(split):
    source = train_data if split == "train" else val_data
    ix = torch.randint(len(source) - block_size, (batch_size,))
    x = torch.stack([source[i : i + block_size] for i in ix])
    y = torch.stack([source[i + 1 : i + block_size + 1] for i in ix])
    return x.to(device), y.to(device)


@torch.no_grad()
def estimate_loss():
    out = {}
    model.eval()
    for split in ["train", "val"]:
        losses = torch.zeros(eval_iters)
        for k in range(eval_iters):
            _, loss = model(*get_batch(split))
            losses[k] = loss.item()
        out[split] = losses.mean().item()
    model.train()
    return out


def lr_at(it):
    """Cosine decay from learning_rate to a tenth of it over the run."""
    return learning_rate * (0.1 + 0.45 * (1 + math.cos(math.pi * it / max_iters)))


model = GPT(len(chars), n_embd, n_head, n_layer, block_size, dropout).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
print(f"{sum(p.numel() for p in model.parameters())} parameters")

for it in range(max_iters):
    if it % eval_interval == 0 or it == max_iters - 1:
        losses = estimate_loss()
        print(f"step {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
    for group in optimizer.param_groups:
        group["lr"] = lr_at(it)
    xb, yb = get_batch("train")
    _, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
