"""The nightshift protocol, shared by train.py and the evaluation (read-only, so that an experiment
can change the model but not how its budget is counted, how it reports or how it is asked for
predictions; docs/design.md in nightshift is the contract):
- environment: NIGHTSHIFT_BUDGET_S (training seconds, default 300), NIGHTSHIFT_SEED,
  NIGHTSHIFT_STEPS (the step plan nightshift hands a configuration's later runs), NIGHTSHIFT_OUT,
  NIGHTSHIFT_EXPERIMENT_ID, NIGHTSHIFT_DATA;
- `@ns {json}` lines on stdout for the agent;
- the step plan and the deadline that turn a time budget into a fixed number of steps;
- the predictor's messages: requests on stdin, one `@ns` answer per request on stdout;
- one clear stderr line and a non-zero exit on any failure.
The same protocol as the TensorFlow.js sandbox's protocol.ts.
"""
import base64
import json
import math
import os
import sys
import time

import numpy as np


class UsageError(Exception):
    """Bad input (data file, environment, config): exit code 2, like a CLI usage error."""


def _number(name, value, integer, minimum):
    try:
        x = int(value) if integer else float(value)
    except ValueError:
        raise UsageError(f"{name}={value!r} is invalid (not a number)") from None
    if not math.isfinite(x) or x < minimum or (not integer and x == 0) or (integer and x > 2**31 - 1):
        raise UsageError(f"{name}={value!r} is invalid (out of range)")
    return x


def read_env(env=None):
    env = os.environ if env is None else env
    get = lambda name: env.get(name) or None  # noqa: E731 - empty means unset, as in protocol.ts
    budget, seed, steps = get("NIGHTSHIFT_BUDGET_S"), get("NIGHTSHIFT_SEED"), get("NIGHTSHIFT_STEPS")
    return {
        "budget_s": 300.0 if budget is None else _number("NIGHTSHIFT_BUDGET_S", budget, False, 0),
        "seed": 0 if seed is None else _number("NIGHTSHIFT_SEED", seed, True, 0),
        "steps": None if steps is None else _number("NIGHTSHIFT_STEPS", steps, True, 1),
        "out_dir": get("NIGHTSHIFT_OUT"),
        "experiment_id": get("NIGHTSHIFT_EXPERIMENT_ID"),
        "data_path": get("NIGHTSHIFT_DATA"),
    }


def _rounded(value):
    return float(f"{value:.6g}") if isinstance(value, float) and math.isfinite(value) else value


def report(**fields):
    """One line for the agent; numbers are rounded so the line stays short and stable."""
    print("@ns " + json.dumps({k: _rounded(v) for k, v in fields.items()}, allow_nan=False, separators=(",", ":")), flush=True)


def plan_steps(budget_s, given, seconds_per_step):
    """How many optimizer steps this run trains, and whether they were timed now. NIGHTSHIFT_STEPS,
    when nightshift passes it, is the plan a first run of the same configuration reported: every
    run of a configuration then trains the same steps, so the same seed prints the same numbers.
    Without it the steps are timed now and the plan is the number that fills the budget."""
    if given is not None:
        return given, False
    return max(1, int(budget_s // seconds_per_step())), True


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


# ---- The predictor's messages (docs/design.md, "The sequence-model predictor messages") ----


def encode_logits(logits):
    """float32 little-endian bytes, base64: what the evaluator decodes, whatever this machine's order."""
    return base64.b64encode(np.ascontiguousarray(logits, dtype="<f4").tobytes()).decode("ascii")


def decode_logits(text, shape):
    """The inverse of encode_logits, checked against the shape the answer states."""
    data = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f4")
    if data.size != math.prod(shape):
        raise ValueError(f"the logits hold {data.size} values, the answer's shape {shape} needs {math.prod(shape)}")
    return data.reshape(shape)


def _answer(fields):
    sys.stdout.write("@ns " + json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _inputs(request, context, vocab):
    """A predict request's rows as an int64 array [B, L]: equal rows, 1 <= L <= context, ids in the vocabulary."""
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


def serve_predictions(context, vocab, logits_of):
    """The predictor loop: one JSON request per stdin line, one `@ns` answer per request on
    stdout, in order; returns at the end of stdin. logits_of: int64 [B, L] -> float [B, L, vocab].
    A request it cannot read raises (one stderr line, exit 1)."""
    for line in sys.stdin:
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


def run_main(script, main):
    """Runs main; any failure becomes one line on stderr (no traceback) and a non-zero exit."""
    try:
        main()
    except UsageError as e:
        print(f"{script}: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - the protocol wants one line, whatever failed
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        print(f"{script}: {type(e).__name__}: {first}", file=sys.stderr)
        sys.exit(1)
