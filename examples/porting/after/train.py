"""Trains a character-level language model on input.txt for NIGHTSHIFT_BUDGET_S seconds.

Ported to nightshift (examples/porting/port.diff): the seed comes from NIGHTSHIFT_SEED, the run
trains a step plan instead of a fixed number of iterations, the learning rate follows the fraction
of the budget, and progress is reported on @ns lines. The validation text is not here: the model is
saved to NIGHTSHIFT_OUT and evaluate.py, which experiments cannot change, scores it.
"""
import math

import nightshift as ns
import torch

from model import GPT

# hyperparameters
batch_size = 16  # @knob 8 16 32
block_size = 32  # @knob 16 32 64
learning_rate = 3e-3  # @knob 1e-4..1e-2 log
n_embd = 32  # @knob 16 32 64
n_head = 4  # @knob 1 2 4
n_layer = 2  # @knob 1 2 3
dropout = 0.0  # @knob 0..0.3
device = "cuda" if torch.cuda.is_available() else "cpu"

env = ns.read_env()
ns.seed_everything(env.seed)

with open("input.txt", encoding="utf-8") as f:
    text = f.read()
chars = sorted(set(text))
stoi = {ch: i for i, ch in enumerate(chars)}
train_data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


def get_batch():
    ix = torch.randint(len(train_data) - block_size, (batch_size,))
    x = torch.stack([train_data[i : i + block_size] for i in ix])
    y = torch.stack([train_data[i + 1 : i + block_size + 1] for i in ix])
    return x.to(device), y.to(device)


def lr_at(progress):
    """Cosine decay from learning_rate to a tenth of it over the budget (progress runs 0 to 1)."""
    return learning_rate * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def new_model():
    return GPT(len(chars), n_embd, n_head, n_layer, block_size, dropout).to(device)


def train_step(model, optimizer, lr):
    for group in optimizer.param_groups:
        group["lr"] = lr
    _, loss = model(*get_batch())
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()


def seconds_per_step():
    """One step's time, on a throwaway model: how many steps fit the budget."""
    scratch = new_model()
    opt = torch.optim.AdamW(scratch.parameters(), lr=learning_rate)
    return ns.time_steps(lambda: train_step(scratch, opt, 0.0), env.budget_s)


plan = ns.plan_steps(env, seconds_per_step)
ns.seed_everything(env.seed)  # the timing drew from the generators
model = new_model()
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
params = sum(p.numel() for p in model.parameters())
print(f"{params} parameters, {plan.steps} steps")

plan.start()
step, losses = 0, []
while plan.running(step):
    losses.append(train_step(model, optimizer, lr_at(plan.progress(step))))
    step += 1
    if step % plan.report_every == 0:
        recent = losses[-plan.report_every :]
        ns.report_step(step, train_loss=sum(recent) / len(recent), elapsed_s=plan.elapsed_s())

config = dict(n_embd=n_embd, n_head=n_head, n_layer=n_layer, block_size=block_size, dropout=dropout)
ns.save_checkpoint({"vocab": chars, "config": config}, model.state_dict())
recent = losses[-plan.report_every :]
ns.report_final(train_loss=sum(recent) / len(recent), params=params, **plan.facts(step))
