"""The nightshift training protocol, shared by train.py (read-only, so that an experiment can
change the model but not how its budget is counted or how it reports):
- environment: NIGHTSHIFT_BUDGET_S (training seconds, default 300), NIGHTSHIFT_SEED,
  NIGHTSHIFT_OUT, NIGHTSHIFT_EXPERIMENT_ID, NIGHTSHIFT_DATA;
- `@ns {json}` lines on stdout for the agent;
- the step plan that turns a time budget into a fixed number of steps;
- one clear stderr line and a non-zero exit on any failure.
The same protocol as the TensorFlow.js sandbox's protocol.ts.
"""
import hashlib
import json
import math
import os
import socket
import sys
import tempfile


class UsageError(Exception):
    """Bad input (data file, environment, config): exit code 2, like a CLI usage error."""


def _number(name, value, integer):
    try:
        x = int(value) if integer else float(value)
    except ValueError:
        raise UsageError(f"{name}={value!r} is invalid (not a number)") from None
    if not math.isfinite(x) or x < 0 or (not integer and x == 0) or (integer and x > 2**31 - 1):
        raise UsageError(f"{name}={value!r} is invalid (out of range)")
    return x


def read_env(env=None):
    env = os.environ if env is None else env
    get = lambda name: env.get(name) or None  # noqa: E731 - empty means unset, as in protocol.ts
    budget = get("NIGHTSHIFT_BUDGET_S")
    seed = get("NIGHTSHIFT_SEED")
    return {
        "budget_s": 300.0 if budget is None else _number("NIGHTSHIFT_BUDGET_S", budget, False),
        "seed": 0 if seed is None else _number("NIGHTSHIFT_SEED", seed, True),
        "out_dir": get("NIGHTSHIFT_OUT"),
        "experiment_id": get("NIGHTSHIFT_EXPERIMENT_ID"),
        "data_path": get("NIGHTSHIFT_DATA"),
    }


def report(**fields):
    """One line for the agent; numbers are rounded so the line stays short and stable."""
    rounded = {k: (float(f"{v:.6g}") if isinstance(v, float) else v) for k, v in fields.items()}
    print("@ns " + json.dumps(rounded, allow_nan=False, separators=(",", ":")), flush=True)


def plan_steps(budget_s, key, seconds_per_step):
    """How many optimizer steps fill the budget. Measured once per (script text, device, budget,
    data, machine) and remembered in $NIGHTSHIFT_CACHE (kept by the agent for the whole session;
    $TMPDIR when run by hand) under nightshift-step-plans, so that repeated runs of the
    same script run the same number of steps. Returns (steps, measured_now)."""
    folder = os.path.join(os.environ.get("NIGHTSHIFT_CACHE") or tempfile.gettempdir(), "nightshift-step-plans")
    ident = hashlib.sha256(json.dumps([budget_s, socket.gethostname(), os.cpu_count(), *key]).encode()).hexdigest()
    path = os.path.join(folder, ident[:32] + ".json")
    try:
        with open(path, encoding="utf-8") as f:
            steps = json.load(f)["steps"]
        if isinstance(steps, int) and steps > 0:
            return steps, False
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not planned yet (or unreadable): measure below
    steps = max(1, int(budget_s // seconds_per_step()))
    os.makedirs(folder, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"steps": steps, "budgetS": budget_s}, f)
    os.replace(tmp, path)
    return steps, True


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
