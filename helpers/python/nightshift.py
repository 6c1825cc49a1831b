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
    plan = nightshift.plan_steps(env, lambda: nightshift.time_steps(one_throwaway_step, env.budget_s), shape_key)
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
from dataclasses import dataclass, field

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
    # NIGHTSHIFT_SHAPE_STEPS: steps planned so far per model shape (plan_steps' shape), for a
    # configuration with no plan yet; "KEY~lead" holds the provisional plan KEY's first run began on
    shape_steps: dict = field(default_factory=dict)
    cache_dir: str | None = None  # NIGHTSHIFT_CACHE: what the sandbox's prepare made once for the session (read-only)
    lead_steps: int | None = None  # NIGHTSHIFT_LEAD_STEPS: the provisional plan the configuration's first run began on


def _number(name, value, integer, minimum):
    try:
        x = int(value) if integer else float(value)
    except ValueError:
        raise UsageError(f"{name}={value!r} is invalid (not a number)") from None
    if not math.isfinite(x) or x < minimum or (not integer and x == 0) or (integer and x > 2**31 - 1):
        raise UsageError(f"{name}={value!r} is invalid (out of range)")
    return x


def _shape_steps(value):
    try:
        shapes = json.loads(value)
    except ValueError:
        raise UsageError(f"NIGHTSHIFT_SHAPE_STEPS={value!r} is invalid (not JSON)") from None
    if not isinstance(shapes, dict) or not all(type(v) is int and v > 0 for v in shapes.values()):
        raise UsageError(f"NIGHTSHIFT_SHAPE_STEPS={value!r} is invalid (not an object of positive whole numbers)")
    return shapes


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
        shape_steps={} if get("NIGHTSHIFT_SHAPE_STEPS") is None else _shape_steps(get("NIGHTSHIFT_SHAPE_STEPS")),
        cache_dir=get("NIGHTSHIFT_CACHE"),
        lead_steps=None if get("NIGHTSHIFT_LEAD_STEPS") is None else _number("NIGHTSHIFT_LEAD_STEPS", get("NIGHTSHIFT_LEAD_STEPS"), True, 1),
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


def training_deadline(budget_s):
    """When training must stop, in time.monotonic() seconds, whatever the plan says: 1.1 x budget
    + 15 s after the process started, 5 s before nightshift's limit (1.1 x budget + 20 s of wall
    time) makes the run invalid. The plan, not the clock, makes runs comparable: a run slowed by
    the machine's load finishes its plan whenever it still can validly (it stopped at 1.05 x budget
    + 5 s of training before, short of plans it could have finished)."""
    return _PROCESS_START + budget_s * 1.1 + 15


def time_steps(step, budget_s, sync=None):
    """Seconds per training step for a provisional plan: calls step() (one step of a throwaway
    model of this configuration) once untimed (kernel selection, caches), then times at least 3
    steps and min(1 s, budget/20). Rough on purpose: StepPlan corrects it from the real model's
    own steps during the lead-in. sync, when given, waits for the device (torch.cuda.synchronize):
    called every 10 steps and at the end, so queued work is timed."""
    wait = sync or (lambda: None)
    step()
    wait()
    steps, start = 0, time.perf_counter()
    while steps < 3 or time.perf_counter() - start < min(1.0, budget_s / 20):
        step()
        steps += 1
        if steps % 10 == 0:
            wait()
    wait()
    return (time.perf_counter() - start) / steps


LEAD_PARTS = 20  # a lead-in covers the first twentieth of the schedule


def lead_in_steps(lead):
    """The steps of a lead-in on a provisional plan of `lead` steps."""
    return -(-lead // LEAD_PARTS)


class StepPlan:
    """How many steps this run trains, and its schedule (as the TypeScript helper's StepPlan). A
    configuration's first run begins on a provisional plan (`lead`, from a short timing) and trains
    the real model from its first step: the lead-in, lead_in_steps(lead) steps covering the
    schedule's first twentieth. Timed on those real steps (their second half), the plan is then set
    to fill the budget and the rest of the schedule spread over the remaining steps. The final line
    reports both (planned_steps, plan_lead); nightshift hands them to every later run of the
    configuration (NIGHTSHIFT_STEPS, NIGHTSHIFT_LEAD_STEPS), which replays the same lead-in and
    steps: the same seed prints the same numbers, and the timing was training, not overhead."""

    def __init__(self, steps, measured, budget_s, shape=None, lead=None):
        self.steps = steps  # the planned steps (the provisional plan during a measured lead-in)
        self.measured = measured  # True: timed by this run, re-planned after its lead-in
        self.budget_s = budget_s
        self.shape = shape  # the model shape's key, reported so nightshift reuses the plan for it
        self.lead = lead  # the lead-in's provisional plan, if the plan has one
        self._start = self._deadline = None
        self._last = self._half = 0.0
        self._stopped = False

    @property
    def lead_in(self):
        """Steps of the lead-in (0 without one)."""
        return 0 if self.lead is None else lead_in_steps(self.lead)

    @property
    def report_every(self):
        """Steps between step lines: about one line per 1.5 s of the budget, from the lead when there
        is one, so a re-plan does not move them."""
        return max(1, round((self.lead or self.steps) * 1.5 / self.budget_s))

    def start(self):
        """Starts training's clock and deadline; call it right before the first step. Returns the plan."""
        self._start = self._last = time.monotonic()
        self._deadline = training_deadline(self.budget_s)
        return self

    def running(self, step):
        """Whether to train step number `step` (0-based); call it before every step. No when the plan
        is done, or when the step would end past the deadline (judged by the last step's time): the
        run then stops and says so (facts' stopped). A measured plan is re-planned at the lead-in's end."""
        if self._deadline is None:
            raise RuntimeError("StepPlan.running() before start()")
        now = time.monotonic()
        if self.measured and self.lead is not None:
            if step == self.lead_in // 2:
                self._half = now
            if step == self.lead_in:
                per_step = (now - self._half) / (self.lead_in - self.lead_in // 2)
                self.steps = self.lead_in + max(0, math.floor((self.budget_s - (now - self._start)) / per_step))
        step_s, self._last = now - self._last, now
        if step >= self.steps:
            return False
        if now + step_s > self._deadline:
            self._stopped = True
            return False
        return True

    def progress(self, step):
        """The schedule's position: the fraction of the budget that `step` steps make, 0 to 1, for
        learning-rate warm-up and decay that end where the budget does."""
        if self.lead is None:
            return min(1.0, step / self.steps)
        if step < self.lead_in:
            return step / self.lead
        done = self.lead_in / self.lead
        return 1.0 if self.steps <= self.lead_in else min(1.0, done + (step - self.lead_in) * (1 - done) / (self.steps - self.lead_in))

    def elapsed_s(self):
        """Seconds since start()."""
        return 0.0 if self._start is None else time.monotonic() - self._start

    def facts(self, step):
        """The final line's budget facts: steps trained, planned_steps (what nightshift records as
        the plan), elapsed_s, plan_lead and plan_shape when the plan has them, and
        stopped="deadline" when the deadline ended training before the plan did."""
        return {"steps": step, "planned_steps": self.steps, "elapsed_s": self.elapsed_s(),
                **({} if self.lead is None else {"plan_lead": self.lead}),
                **({} if self.shape is None else {"plan_shape": self.shape}),
                **({"stopped": "deadline"} if self._stopped else {})}


def plan_steps(env, seconds_per_step, shape=None):
    """The step plan: env.steps (and env.lead_steps) when nightshift passed one; else the steps a
    configuration of the same `shape` was planned at (env.shape_steps, with its "~lead"); else a
    provisional plan of budget / seconds_per_step(), called only then, which the lead-in corrects.
    shape is a key for what a step costs (the code and tensor shapes, not the learning rate).
    Reseed after timing if it drew from the run's generators."""
    if env.steps is not None:
        return StepPlan(env.steps, False, env.budget_s, shape, env.lead_steps)
    if shape is not None and shape in env.shape_steps:
        return StepPlan(env.shape_steps[shape], False, env.budget_s, shape, env.shape_steps.get(f"{shape}~lead"))
    provisional = max(1, math.floor(env.budget_s / seconds_per_step()))  # as JavaScript's Math.floor(a / b)
    return StepPlan(provisional, True, env.budget_s, shape, provisional)


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
