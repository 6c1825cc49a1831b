"""nightshift's helper for Python training scripts: the training-script protocol (docs/design.md,
"Training-script protocol" and "Sealed evaluation") in one module, so a script gets it right with
a few calls instead of learning it from a template.

nightshift puts this folder first on PYTHONPATH for every process it starts (training, predict,
evaluate), inside bubblewrap too, where the folder is read-only: `import nightshift` needs no
install, and no run can change how its budget is counted or how it reports. By hand:
PYTHONPATH=<nightshift>/helpers/python python3 train.py.

Only the standard library is needed to import it; numpy is imported by the functions that move
logits, torch only where a script already uses it (seeding, memory, checkpoints).

    env = nightshift.read_env()
    nightshift.seed_everything(env.seed)
    plan = nightshift.plan_steps(env, lambda: nightshift.time_steps(one_throwaway_step, env.budget_s))
    plan.start()
    step = 0
    while plan.running(step):
        loss = train_step(lr=schedule(plan.progress(step)))
        step += 1
        if step % plan.report_every == 0:
            nightshift.report_step(step, train_loss=loss, elapsed_s=plan.elapsed_s())
    nightshift.report_final(train_loss=loss, **plan.facts(step))
"""
import base64
import json
import math
import os
import resource
import sys
import time
from dataclasses import dataclass

PREFIX = "@ns "


class UsageError(Exception):
    """Bad input (data file, environment, config): run_main makes it exit code 2, like a CLI usage error."""


# ---- The environment ----


@dataclass(frozen=True)
class Env:
    """What nightshift tells the script. steps is None until a run of this configuration has made a step plan."""

    budget_s: float  # NIGHTSHIFT_BUDGET_S: training seconds (default 300)
    seed: int  # NIGHTSHIFT_SEED (default 0)
    steps: int | None  # NIGHTSHIFT_STEPS: the configuration's step plan, from its first run
    out_dir: str | None  # NIGHTSHIFT_OUT: where training writes what predict loads
    experiment_id: str | None  # NIGHTSHIFT_EXPERIMENT_ID
    data_path: str | None  # NIGHTSHIFT_DATA: a user corpus, when the sandbox names one


def _number(name, value, integer, minimum):
    try:
        x = int(value) if integer else float(value)
    except ValueError:
        raise UsageError(f"{name}={value!r} is invalid (not a number)") from None
    if not math.isfinite(x) or x < minimum or (not integer and x == 0) or (integer and x > 2**31 - 1):
        raise UsageError(f"{name}={value!r} is invalid (out of range)")
    return x


def read_env(environ=None):
    """The protocol's variables as an Env (from os.environ unless given). An empty variable counts
    as unset; a malformed one raises UsageError naming it."""
    environ = os.environ if environ is None else environ
    get = lambda name: environ.get(name) or None  # noqa: E731 - empty means unset
    budget, seed, steps = get("NIGHTSHIFT_BUDGET_S"), get("NIGHTSHIFT_SEED"), get("NIGHTSHIFT_STEPS")
    return Env(
        budget_s=300.0 if budget is None else _number("NIGHTSHIFT_BUDGET_S", budget, False, 0),
        seed=0 if seed is None else _number("NIGHTSHIFT_SEED", seed, True, 0),
        steps=None if steps is None else _number("NIGHTSHIFT_STEPS", steps, True, 1),
        out_dir=get("NIGHTSHIFT_OUT"),
        experiment_id=get("NIGHTSHIFT_EXPERIMENT_ID"),
        data_path=get("NIGHTSHIFT_DATA"),
    )


# ---- Seeding ----


def seed_everything(seed, deterministic=True):
    """Seeds every generator the script may draw from: Python's random, numpy's global generator and
    torch's (CPU and every CUDA device) when they are importable, so NIGHTSHIFT_SEED alone decides
    the run (a run that ignores it makes every baseline the same run). With deterministic, torch
    also picks deterministic kernels where it has them (warning where it has none) and cuBLAS gets
    the workspace setting its deterministic mode needs, which counts only before CUDA starts: call
    this before moving anything to the GPU. Returns the names of what it seeded."""
    import importlib.util
    import random

    random.seed(seed)
    seeded = ["random"]
    if importlib.util.find_spec("numpy") is not None:
        import numpy

        numpy.random.seed(seed)
        seeded.append("numpy")
    if importlib.util.find_spec("torch") is not None:
        if deterministic:
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        import torch

        torch.manual_seed(seed)  # seeds every CUDA device too
        seeded.append("torch")
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
    return seeded


# ---- `@ns` lines ----


def _rounded(value):
    return float(f"{value:.6g}") if isinstance(value, float) and math.isfinite(value) else value


def report(**fields):
    """One `@ns` line on stdout, flushed at once (nightshift reads lines as they come). Floats are
    rounded to 6 significant digits so the line stays short and stable; NaN or infinity raise
    ValueError: report a diverged run as `diverged=True` with the value None."""
    print(PREFIX + json.dumps({k: _rounded(v) for k, v in fields.items()}, allow_nan=False, separators=(",", ":")), flush=True)


def report_step(step, **fields):
    """A step line: the step number first, then what the script measures (train_loss, elapsed_s,
    tokens_per_s…); nightshift charts them live and stores them."""
    report(step=step, **fields)


def report_final(**fields):
    """The final line, printed once at the end: the metric (self-reported sessions) or the training
    facts (sealed ones: steps, planned_steps, params, train_loss…). peak_mem_mb is added unless
    given. A second final line makes the run invalid."""
    report(final=True, **fields, **({} if "peak_mem_mb" in fields else {"peak_mem_mb": peak_mem_mb()}))


# ---- Peak memory ----


def peak_mem_mb():
    """The run's peak memory in MiB: torch.cuda.max_memory_allocated() when the script uses torch
    on CUDA (reset it with torch.cuda.reset_peak_memory_stats() to leave out a calibration), else
    this process's peak resident set (ru_maxrss: KiB on Linux, bytes on macOS)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        return torch.cuda.max_memory_allocated() / 2**20
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


# ---- The budget: a step plan and a deadline ----


def _process_age_s():
    """Seconds since this process started (Linux's /proc), so time spent importing counts; 0 elsewhere."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


_PROCESS_START = time.monotonic() - _process_age_s()


def training_deadline(budget_s, training_start):
    """When training must stop, in time.monotonic() seconds, whatever the plan says: a loaded
    machine can fall far behind it. Training ends 1.05 x budget + 5 s after it began (a
    time.monotonic() value), and never later than 1.1 x budget + 15 s after the process started,
    which leaves 5 s to save the model before nightshift's limit (budget + 0.1 x budget + 20 s of
    wall time) makes the run invalid."""
    return min(training_start + budget_s * 1.05 + 5, _PROCESS_START + budget_s * 1.1 + 15)


def time_steps(step, budget_s, sync=None):
    """Seconds per training step, for a step plan: calls step() (one step of a throwaway model of
    this configuration) through a warm-up (kernel selection, caches, a JIT) of min(2 s, budget/5),
    then a timed phase of a thirtieth of the budget, 2 to 10 s (less only for budgets under 10 s):
    steps vary on a shared machine. Each phase runs at least 3 steps. sync, when given, waits for
    the device (torch.cuda.synchronize): called every 10 steps and at each phase's end, so queued
    work is timed."""
    wait = sync or (lambda: None)
    warm = min(2.0, budget_s / 5)
    for phase in (warm, min(10.0, max(budget_s / 30, warm))):
        steps, start = 0, time.perf_counter()
        while steps < 3 or time.perf_counter() - start < phase:
            step()
            steps += 1
            if steps % 10 == 0:
                wait()
        wait()
    return (time.perf_counter() - start) / steps


class StepPlan:
    """How many steps this run trains, and its schedule. nightshift hands every run of a
    configuration after the first the plan that first run reported (NIGHTSHIFT_STEPS, from the
    final line's planned_steps): every run of it then trains the same steps whatever the machine's
    load, so the same seed prints the same numbers. The deadline still stops a run that falls far
    behind."""

    def __init__(self, steps, measured, budget_s):
        self.steps = steps  # the planned steps
        self.measured = measured  # True: timed by this run; False: NIGHTSHIFT_STEPS
        self.budget_s = budget_s
        self._start = None
        self._deadline = None

    @property
    def report_every(self):
        """Steps between step lines: about one line per 1.5 s of the budget, so a run's step rows
        stay a few hundred whatever its speed."""
        return max(1, round(self.steps * 1.5 / self.budget_s))

    def start(self):
        """Starts training's clock and deadline; call it right before the first step. Returns the plan."""
        self._start = time.monotonic()
        self._deadline = training_deadline(self.budget_s, self._start)
        return self

    def running(self, step):
        """Whether to train step number `step` (0-based): the plan is not done and the deadline has not come."""
        if self._deadline is None:
            raise RuntimeError("StepPlan.running() before start()")
        return step < self.steps and time.monotonic() < self._deadline

    def progress(self, step):
        """The schedule's position: the fraction of the budget that `step` steps make, 0 to 1, for
        learning-rate warm-up and decay that end where the budget does."""
        return min(1.0, step / self.steps)

    def elapsed_s(self):
        """Seconds since start()."""
        return 0.0 if self._start is None else time.monotonic() - self._start

    def facts(self, step):
        """The final line's budget facts: steps trained, planned_steps (what nightshift records as
        the configuration's plan) and elapsed_s."""
        return {"steps": step, "planned_steps": self.steps, "elapsed_s": self.elapsed_s()}


def plan_steps(env, seconds_per_step):
    """The step plan: env.steps when nightshift passed one, else budget / seconds_per_step(),
    calling seconds_per_step (time_steps over a throwaway model) only then. Reseed after timing
    if it drew from the run's generators."""
    if env.steps is not None:
        return StepPlan(env.steps, False, env.budget_s)
    return StepPlan(max(1, int(env.budget_s // seconds_per_step())), True, env.budget_s)


# ---- Checkpoints: what training leaves in NIGHTSHIFT_OUT for predict ----

META_FILE = "config.json"
STATE_FILE = "model.pt"


def _out_dir(out_dir):
    out_dir = out_dir or read_env().out_dir
    if out_dir is None:
        raise UsageError("NIGHTSHIFT_OUT is not set: the model is saved there by training and loaded from there by predict")
    return out_dir


def _replace(path, write, mode):
    """Writes through a temporary file and a rename, so predict never loads half a model."""
    with open(path + ".tmp", mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        write(f)
    os.replace(path + ".tmp", path)


def save_checkpoint(meta, state=None, out_dir=None):
    """Saves what predict needs into out_dir (NIGHTSHIFT_OUT by default): meta, JSON (the config the
    weights belong to, the vocabulary…), as config.json, and state (a torch state_dict, or anything
    torch.save takes) as model.pt."""
    out_dir = _out_dir(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    _replace(os.path.join(out_dir, META_FILE), lambda f: json.dump(meta, f), "w")
    if state is not None:
        import torch

        _replace(os.path.join(out_dir, STATE_FILE), lambda f: torch.save(state, f), "wb")


def load_checkpoint(out_dir=None, map_location=None):
    """(meta, state) as save_checkpoint left them; state is None when none was saved. A missing
    checkpoint raises UsageError: training has not run with this NIGHTSHIFT_OUT."""
    out_dir = _out_dir(out_dir)
    try:
        with open(os.path.join(out_dir, META_FILE), encoding="utf-8") as f:
            meta = json.load(f)
        state_path = os.path.join(out_dir, STATE_FILE)
        if not os.path.exists(state_path):
            return meta, None
        import torch

        return meta, torch.load(state_path, map_location=map_location)
    except FileNotFoundError as e:
        raise UsageError(f"{e.filename} is missing: has training run with this NIGHTSHIFT_OUT?") from None


# ---- The predictor's messages (docs/design.md, "The sequence-model predictor messages") ----


def encode_logits(logits):
    """float32 little-endian bytes, base64: what the evaluator decodes, whatever this machine's order."""
    import numpy as np

    return base64.b64encode(np.ascontiguousarray(logits, dtype="<f4").tobytes()).decode("ascii")


def decode_logits(text, shape):
    """The inverse of encode_logits, checked against the shape the answer states."""
    import numpy as np

    data = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f4")
    if data.size != math.prod(shape):
        raise ValueError(f"the logits hold {data.size} values, the answer's shape {shape} needs {math.prod(shape)}")
    return data.reshape(shape)


def _answer(fields):
    sys.stdout.write(PREFIX + json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _inputs(request, context, vocab):
    """A predict request's rows as an int64 array [B, L]: equal rows, 1 <= L <= context, ids in the vocabulary."""
    import numpy as np

    rows = request.get("inputs")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) and r for r in rows):
        raise ValueError("a predict request's inputs are not a list of non-empty token rows")
    if any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("a predict request has rows of different lengths")
    if len(rows[0]) > context:
        raise ValueError(f"a predict request has rows of {len(rows[0])} tokens; the model takes at most {context}")
    if not all(type(i) is int and 0 <= i < vocab for r in rows for i in r):
        raise ValueError(f"a predict request has a token id outside the vocabulary of {vocab}")
    return np.array(rows, dtype=np.int64)


def serve_predictions(context, vocab, logits_of, requests=None):
    """The predictor loop of a sealed evaluation: one JSON request per line of requests (stdin by
    default), one `@ns` answer per request on stdout, in order; returns at their end. An info
    request is answered with the context length; a predict request's token rows (int64 [B, L])
    go to logits_of, which returns float logits [B, L, vocab] where position t depends on tokens
    0..t only. A request it cannot read raises (run_main: one stderr line, exit 1)."""
    import numpy as np

    for line in sys.stdin if requests is None else requests:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except ValueError:
            raise ValueError(f"a request is not JSON: {line[:80]}") from None
        op = request.get("op") if isinstance(request, dict) else None
        if op == "info":
            _answer({"context": context})
        elif op == "predict":
            ids = _inputs(request, context, vocab)
            logits = np.asarray(logits_of(ids))
            expected = (*ids.shape, vocab)
            if logits.shape != expected:
                raise ValueError(f"the model returned logits of shape {logits.shape}, expected {expected}")
            _answer({"shape": list(expected), "logits": encode_logits(logits)})
        else:
            raise ValueError(f"a request is not an info or predict message: {line[:80]}")


# ---- Failing in one line ----


def run_main(script, main):
    """Runs main(); any failure becomes one line on stderr (`script: …`, no traceback) and a
    non-zero exit: 2 for UsageError, 1 for anything else."""
    try:
        main()
    except UsageError as e:
        print(f"{script}: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - the protocol wants one line, whatever failed
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        print(f"{script}: {type(e).__name__}: {first}", file=sys.stderr)
        sys.exit(1)
