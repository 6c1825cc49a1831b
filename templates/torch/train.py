"""nightshift's experiment for PyTorch: a decoder-only character-level transformer, trained for
NIGHTSHIFT_BUDGET_S seconds. The same model, config and protocol as the TensorFlow.js sandbox's
train.ts. This is the one file experiments edit. Every component and hyperparameter is a line of
`config` below; a `@knob`/`@ablate` marker says what the planner may set it to. On CUDA the
training's forward pass runs under bf16 autocast.

Training writes the model to NIGHTSHIFT_OUT and reports training facts only; the metric comes from
the evaluation, which never sees this file: it asks `python3 train.py predict` for next-token
logits over pipes. Predictions at position t may depend only on tokens 0..t: the evaluation checks
that, and a model that reads ahead makes the run invalid. The protocol (environment, seeding, step
plan, `@ns` lines, checkpoint, the predictor's messages) is nightshift's Python helper, `nightshift`
(helpers/python in nightshift, on PYTHONPATH in every run), which no experiment can change.

Run by hand: PYTHONPATH=<nightshift>/helpers/python NIGHTSHIFT_BUDGET_S=10 NIGHTSHIFT_SEED=1 NIGHTSHIFT_OUT=out python3 train.py
"""
import hashlib
import math
import os
import re
import sys

import nightshift as ns
import torch
import torch.nn as nn
import torch.nn.functional as F

from prepare import load_training
from source import mulberry32

config = dict(
    layers=2,  # @knob 1 2 3 4
    dModel=64,  # @knob 32 64 96 128
    heads=4,  # @knob 1 2 4 8
    mlpRatio=4,  # @knob 1 2 4
    blockSize=64,  # @knob 16 32 64 128 256
    batchSize=16,  # @knob 4 8 16 32 64
    lr=1e-2,  # @knob 1e-4..3e-2 log
    warmup=0.05,  # @knob 0..0.2
    weightDecay=0.01,  # @knob 0..0.1
    dropout=0,  # @knob 0..0.3
    attention=True,  # @ablate False
    mlp=True,  # @ablate False
    residual=True,  # @ablate False
    layerNorm=True,  # @ablate False
    posEncoding='sinusoidal',  # @ablate 'learned' 'none'
)


def learning_rate(fraction):
    """Fraction of the run -> learning rate: linear warm-up, then cosine decay to a tenth."""
    c = config
    if fraction < c["warmup"]:
        return c["lr"] * (fraction + 1e-9) / c["warmup"]
    decay = (fraction - c["warmup"]) / (1 - c["warmup"])
    return c["lr"] * (0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, decay))))


def sinusoid(T, d):
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    i = torch.arange(d)
    angle = pos / 10000 ** ((2 * (i // 2)).double() / d)
    return torch.where(i % 2 == 0, torch.sin(angle), torch.cos(angle)).float()


def gelu(x):
    return x * torch.sigmoid(1.702 * x)  # GELU, sigmoid approximation (as train.ts)


def causal_attention(q, k, v, dropout):
    """Attention in which position t sees positions 0..t only: the mask hides every later token."""
    T = q.size(-2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    weights = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
    return F.dropout(weights, dropout) @ v


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, hidden = c["dModel"], c["dModel"] * c["mlpRatio"]
        # Residual branches start small, so a deep stack begins close to the identity.
        branch = 1 / math.sqrt(d) / math.sqrt(2 * c["layers"])
        norm = (lambda: nn.LayerNorm(d, eps=1e-5)) if c["layerNorm"] else nn.Identity
        self.c = c
        if c["attention"]:
            self.ln1 = norm()
            self.qkv = nn.Linear(d, 3 * d, bias=False)
            self.proj = nn.Linear(d, d, bias=False)
            nn.init.normal_(self.qkv.weight, std=1 / math.sqrt(d))
            nn.init.normal_(self.proj.weight, std=branch)
        if c["mlp"]:
            self.ln2 = norm()
            self.fc1 = nn.Linear(d, hidden)
            self.fc2 = nn.Linear(hidden, d)
            nn.init.normal_(self.fc1.weight, std=1 / math.sqrt(d))
            nn.init.normal_(self.fc2.weight, std=branch * math.sqrt(d / hidden))
            nn.init.zeros_(self.fc1.bias)
            nn.init.zeros_(self.fc2.bias)
        self.drop = nn.Dropout(c["dropout"])

    def attend(self, x):
        B, T, d = x.shape
        H = self.c["heads"]
        q, k, v = self.qkv(x).view(B, T, 3, H, d // H).permute(2, 0, 3, 1, 4)
        y = causal_attention(q, k, v, self.c["dropout"] if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(B, T, d))

    def forward(self, x):
        if self.c["attention"]:
            a = self.drop(self.attend(self.ln1(x)))
            x = x + a if self.c["residual"] else a
        if self.c["mlp"]:
            m = self.drop(self.fc2(gelu(self.fc1(self.ln2(x)))))
            x = x + m if self.c["residual"] else m
        return x


class Model(nn.Module):
    def __init__(self, c, vocab):
        super().__init__()
        d = c["dModel"]
        self.c = c
        self.wte = nn.Embedding(vocab, d)
        nn.init.normal_(self.wte.weight, std=1.0)
        self.wpe = nn.Parameter(torch.randn(c["blockSize"], d)) if c["posEncoding"] == "learned" else None
        self.register_buffer("sinusoid", sinusoid(c["blockSize"], d) if c["posEncoding"] == "sinusoidal" else None)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.lnf = nn.LayerNorm(d, eps=1e-5) if c["layerNorm"] else nn.Identity()
        self.head = nn.Linear(d, vocab, bias=False)
        nn.init.normal_(self.head.weight, std=1 / math.sqrt(d))
        self.drop = nn.Dropout(c["dropout"])

    def forward(self, ids):
        """ids: int64 [batch, T] with T <= blockSize -> logits [batch, T, vocab]."""
        T = ids.size(1)
        x = self.wte(ids)
        if self.wpe is not None:
            x = x + self.wpe[:T]
        if self.sinusoid is not None:
            x = x + self.sinusoid[:T]
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.lnf(x))


def optimizer(model):
    """AdamW; matrices get weight decay, gains, biases and embeddings do not."""
    decayed = [p for n, p in model.named_parameters() if p.dim() == 2 and not n.startswith(("wte", "wpe"))]
    rest = [p for n, p in model.named_parameters() if not (p.dim() == 2 and not n.startswith(("wte", "wpe")))]
    groups = [{"params": decayed, "weight_decay": config["weightDecay"]}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config["lr"], betas=(0.9, 0.95), eps=1e-8)


class Batches:
    """Random training windows from a seeded generator: the same seed gives the same batches
    (and the same ones as train.ts)."""

    def __init__(self, train, seed, device):
        self.rng = mulberry32(seed ^ 0x5BD1E995)
        self.B, self.T = config["batchSize"], config["blockSize"]
        self.span = len(train) - self.T - 1
        if self.span < 1:
            raise ns.UsageError(f"the training text ({len(train)} characters) is shorter than blockSize + 1 = {self.T + 1}")
        self.train = train
        self.offsets = torch.arange(self.T, device=device)
        self.device = device

    def __call__(self):
        starts = [int((self.rng() / 4294967296) * self.span) for _ in range(self.B)]
        idx = torch.tensor(starts, device=self.device)[:, None] + self.offsets
        return self.train[idx], self.train[idx + 1]


def autocast(device):
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else torch.autocast("cpu", enabled=False)


def train_step(model, opt, batches, lr, device):
    """One step; returns the loss (nats) as a tensor, without waiting for the device."""
    for group in opt.param_groups:
        group["lr"] = lr
    x, y = batches()
    with autocast(device):
        logits = model(x)
    loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss.detach()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def seconds_per_step(data_train, vocab, budget_s, device):
    """Seconds per step of this config, timed on a throwaway model (the helper's time_steps: after
    a warm-up, for a thirtieth of the budget)."""
    model = Model(config, vocab).to(device)
    opt = optimizer(model)
    batches = Batches(data_train, 999_999, device)
    return ns.time_steps(lambda: train_step(model, opt, batches, 0.0, device), budget_s, lambda: sync(device))


def pick_device():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return device, ("cpu" if device.type == "cpu" else f"cuda ({torch.cuda.get_device_name()})")


def write_sample(model, data, out_dir, seed, device):
    """A short text written by the trained model after the first training characters, into
    NIGHTSHIFT_OUT/sample.txt: what the numbers mean, for a person reading the experiment later.
    Seeded, so it repeats with the run."""
    T = config["blockSize"]
    rng = mulberry32(seed ^ 0x2545F491)
    ids = list(data.train[:T])
    with torch.no_grad():
        for _ in range(160):
            logits = model(torch.tensor([ids[-T:]], device=device))
            probs = torch.softmax(logits[0, -1].float() / 0.8, -1).tolist()
            u, nxt = rng() / 4294967296, 0
            while nxt < len(probs) - 1:
                u -= probs[nxt]
                if u <= 0:
                    break
                nxt += 1
            ids.append(nxt)
    text = lambda a, b=None: "".join(data.vocab[i] for i in ids[a:b])  # noqa: E731
    with open(os.path.join(out_dir, "sample.txt"), "w", encoding="utf-8") as f:
        f.write(f"{text(0, T)}|{text(T)}\n")


def load(out_dir, device):
    """The model training saved (ns.save_checkpoint): its own config, not today's text of this file."""
    saved, state = ns.load_checkpoint(out_dir, map_location=device)
    model = Model(saved["config"], saved["vocab"]).to(device)
    model.load_state_dict(state)
    return model.eval(), saved["config"]["blockSize"], saved["vocab"]


def predict():
    """The predictor: answers the evaluation's requests (ns.serve_predictions) from the saved model,
    in float32 so that its answers do not depend on how the requests are batched."""
    env = ns.read_env()
    device, _ = pick_device()
    model, context, vocab = load(env.out_dir, device)

    @torch.no_grad()
    def logits_of(ids):
        return model(torch.from_numpy(ids).to(device)).float().cpu().numpy()

    ns.serve_predictions(context, vocab, logits_of)


def fit(model, batches, plan, device):
    """The training loop: the planned steps, or fewer if the deadline comes first. Returns
    (steps, the last mean loss in bits or None, diverged)."""
    opt = optimizer(model)
    tokens_per_step = config["batchSize"] * config["blockSize"]
    losses = torch.zeros((), device=device)
    count, last_loss, step = 0, None, 0
    model.train()
    sync(device)
    plan.start()
    while plan.running(step):
        losses += train_step(model, opt, batches, learning_rate(plan.progress(step)), device)
        count += 1
        step += 1
        if step % plan.report_every == 0 or step == plan.steps:
            mean = losses.item() / count / math.log(2)  # waits for the device
            if not math.isfinite(mean):
                return step, None, True
            elapsed = plan.elapsed_s()
            last_loss, losses, count = mean, torch.zeros((), device=device), 0
            ns.report_step(step, elapsed_s=elapsed, train_loss=last_loss, tokens_per_s=step * tokens_per_step / elapsed)
    if count > 0:
        last_loss = losses.item() / count / math.log(2)
    sync(device)
    diverged = last_loss is not None and not math.isfinite(last_loss)
    return step, None if diverged else last_loss, diverged


# Values a step's cost does not depend on (dropout only by being on or off).
COST_FREE = ("lr", "warmup", "weightDecay", "dropout")


def shape_key():
    """This file's step cost as a key, as train.ts's shapeKey: its text with the COST_FREE values
    blanked, and whether dropout is on. Configurations with one key share a step plan
    (plan_steps' shape), so a change of learning rate trains the steps its shape was planned at
    instead of timing again; a change to any other line, code included, is a new key."""
    with open(__file__, encoding="utf-8") as f:
        text = f.read()
    for name in COST_FREE:
        text = re.sub(rf"^(\s*{name}=)[^,]+,", r"\1_,", text, count=1, flags=re.M)
    return hashlib.sha256(f"{text}\0dropout {config['dropout'] > 0}".encode()).hexdigest()[:16]


def train():
    env = ns.read_env()
    if config["dModel"] % config["heads"] != 0:
        raise ns.UsageError(f"dModel {config['dModel']} is not divisible by heads {config['heads']}")
    ns.seed_everything(env.seed)
    device, device_name = pick_device()
    data = load_training(env.data_path, env.cache_dir)
    ids = torch.tensor(data.train, dtype=torch.long, device=device)
    plan = ns.plan_steps(env, lambda: seconds_per_step(ids, len(data.vocab), env.budget_s, device), shape_key())
    print(f"train.py: experiment {env.experiment_id or '(by hand)'}, {device_name}, {data.origin} data{' (NIGHTSHIFT_CACHE)' if data.cached else ''}, {plan.steps} steps "
          f"for {env.budget_s:g} s ({'timed now' if plan.measured else 'NIGHTSHIFT_STEPS' if env.steps else 'its shape planned before'})", flush=True)

    ns.seed_everything(env.seed)  # the timing run drew from the same generators
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()  # the timing run's model is not this one
    model = Model(config, len(data.vocab)).to(device)
    steps, train_loss, diverged = fit(model, Batches(ids, env.seed, device), plan, device)
    facts = plan.facts(steps)
    model.eval()
    if env.out_dir:
        ns.save_checkpoint({"config": config, "vocab": len(data.vocab)}, model.state_dict(), env.out_dir)
        if not diverged:
            write_sample(model, data, env.out_dir, env.seed, device)
    facts.update(params=sum(p.numel() for p in model.parameters()),
                 tokens_per_s=steps * config["batchSize"] * config["blockSize"] / facts["elapsed_s"], device=device_name)
    ns.report_final(train_loss=train_loss, **facts, **({"diverged": True} if diverged else {}))


if __name__ == "__main__":
    if sys.argv[1:] == ["predict"]:
        ns.run_main("train.py predict", predict)
    else:
        ns.run_main("train.py", train)
