"""Tests of nightshift's Python helper (helpers/python/nightshift.py), run by python-helper.test.ts.

`python3 -S test_nightshift.py Pure` runs the stdlib-only parts with no site-packages at all, so
they are shown not to need numpy; `python3 test_nightshift.py Torch` the parts that use numpy and
torch, where torch imports."""
import contextlib
import io
import json
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "helpers", "python"))
import nightshift as ns  # noqa: E402


def lines_of(fn, *args, **kwargs):
    """The `@ns` objects fn printed on stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args, **kwargs)
    return [json.loads(line[len(ns.PREFIX):]) for line in out.getvalue().splitlines() if line.startswith(ns.PREFIX)]


def train(plan, step_s, progress=None):
    """Runs a plan to its end with steps of step_s (a busy wait, as a real step is); the steps trained."""
    plan.start()
    step = 0
    while plan.running(step):
        if progress is not None:
            progress.append(plan.progress(step))
        until = time.perf_counter() + step_s
        while time.perf_counter() < until:
            pass
        step += 1
    return step


class Pure(unittest.TestCase):
    def test_read_env_defaults_values_and_empty_as_unset(self):
        self.assertEqual(ns.read_env({}), ns.Env(300.0, 0, None, None, None, None))
        env = ns.read_env({"NIGHTSHIFT_BUDGET_S": "2.5", "NIGHTSHIFT_SEED": "7", "NIGHTSHIFT_STEPS": "120", "NIGHTSHIFT_OUT": "/o",
                           "NIGHTSHIFT_EXPERIMENT_ID": "42", "NIGHTSHIFT_DATA": "/d.txt"})
        self.assertEqual(env, ns.Env(2.5, 7, 120, "/o", "42", "/d.txt"))
        self.assertEqual(ns.read_env({"NIGHTSHIFT_STEPS": "", "NIGHTSHIFT_SEED": ""}), ns.Env(300.0, 0, None, None, None, None))

    def test_read_env_names_a_malformed_variable(self):
        for name, value, why in [("NIGHTSHIFT_BUDGET_S", "soon", "not a number"), ("NIGHTSHIFT_BUDGET_S", "0", "out of range"),
                                 ("NIGHTSHIFT_SEED", "-1", "out of range"), ("NIGHTSHIFT_STEPS", "1.5", "not a number"),
                                 ("NIGHTSHIFT_SEED", str(2**31), "out of range")]:
            with self.assertRaises(ns.UsageError) as caught:
                ns.read_env({name: value})
            self.assertEqual(str(caught.exception), f"{name}={value!r} is invalid ({why})")

    def test_lines_are_rounded_json_and_refuse_nan(self):
        self.assertEqual(lines_of(ns.report_step, 3, train_loss=1 / 3, tokens_per_s=12345678.9), [{"step": 3, "train_loss": 0.333333, "tokens_per_s": 12345700.0}])
        with self.assertRaises(ValueError):
            lines_of(ns.report, final=True, val_bpb=float("nan"))

    def test_the_final_line_carries_peak_memory_unless_given(self):
        [line] = lines_of(ns.report_final, val_loss=0.5, steps=10)
        self.assertEqual(list(line)[:3], ["final", "val_loss", "steps"])
        # Any Python process has a resident peak above 1 MiB; 0 or None would mean it was not read.
        self.assertGreater(line["peak_mem_mb"], 1)
        self.assertEqual(lines_of(ns.report_final, peak_mem_mb=12.5), [{"final": True, "peak_mem_mb": 12.5}])

    def test_seeding_without_numpy_or_torch_seeds_random_alone(self):
        import random

        self.assertNotIn("numpy", sys.modules, "the pure parts import no numpy")
        self.assertEqual(ns.seed_everything(5), ["random"])
        first = random.random()
        ns.seed_everything(5)
        self.assertEqual(random.random(), first)

    def test_a_given_plan_is_used_without_timing(self):
        def never():
            raise AssertionError("timed although NIGHTSHIFT_STEPS was given")

        plan = ns.plan_steps(ns.read_env({"NIGHTSHIFT_STEPS": "40", "NIGHTSHIFT_BUDGET_S": "20"}), never)
        self.assertEqual((plan.steps, plan.measured, plan.report_every), (40, False, 3))
        timed = ns.plan_steps(ns.read_env({"NIGHTSHIFT_BUDGET_S": "10"}), lambda: 0.3)
        self.assertEqual((timed.steps, timed.measured), (33, True))
        self.assertEqual(ns.plan_steps(ns.read_env({"NIGHTSHIFT_BUDGET_S": "1"}), lambda: 5.0).steps, 1, "at least one step")

    def test_the_plan_runs_its_steps_with_progress_and_facts(self):
        plan = ns.plan_steps(ns.read_env({"NIGHTSHIFT_STEPS": "4", "NIGHTSHIFT_BUDGET_S": "60"}), None)
        with self.assertRaises(RuntimeError):
            plan.running(0)
        plan.start()
        step, progress = 0, []
        while plan.running(step):
            progress.append(plan.progress(step))
            step += 1
        self.assertEqual(progress, [0, 0.25, 0.5, 0.75])
        facts = plan.facts(step)
        self.assertEqual((facts["steps"], facts["planned_steps"]), (4, 4))
        self.assertGreaterEqual(facts["elapsed_s"], 0)

    def test_the_deadline_stops_a_plan_that_falls_behind_and_says_so(self):
        # 1.1 x budget + 15 s after this process began, a million 1 ms steps planned.
        plan = ns.StepPlan(10**6, False, 0.001)
        steps = train(plan, 0.001)
        self.assertLess(steps, 10**6)
        self.assertLess(time.monotonic(), ns.training_deadline(0.001) + 0.05, "the last step ended at the deadline, not a step past it")
        self.assertEqual(plan.facts(steps)["stopped"], "deadline")
        self.assertNotIn("stopped", ns.StepPlan(3, False, 60).facts(3))

    def test_a_first_runs_lead_in_is_re_planned_and_replayed_by_later_runs(self):
        env = ns.read_env({"NIGHTSHIFT_BUDGET_S": "0.6"})
        first = ns.plan_steps(env, lambda: 0.02)  # the short timing says 20 ms a step; real steps take 5 ms
        self.assertEqual((first.steps, first.lead, first.lead_in), (30, 30, 2))
        progress = []
        steps = train(first, 0.005, progress)
        facts = first.facts(steps)
        self.assertTrue(60 < facts["planned_steps"] <= 121, facts)
        self.assertEqual((facts["steps"], facts["plan_lead"]), (facts["planned_steps"], 30))
        self.assertEqual(progress[:4], [0, 1 / 30, 2 / 30, 2 / 30 + (1 - 2 / 30) / (facts["planned_steps"] - 2)])
        later = ns.plan_steps(ns.read_env({"NIGHTSHIFT_BUDGET_S": "0.6", "NIGHTSHIFT_STEPS": str(facts["planned_steps"]), "NIGHTSHIFT_LEAD_STEPS": "30"}), None)
        replayed = []
        train(later, 0.001, replayed)
        self.assertEqual(replayed, progress, "the same schedule, step for step, at another speed")
        shaped = ns.plan_steps(ns.read_env({"NIGHTSHIFT_SHAPE_STEPS": json.dumps({"a1": 90, "a1~lead": 30})}), None, "a1")
        self.assertEqual((shaped.steps, shaped.progress(1), shaped.facts(0)["plan_shape"]), (90, 1 / 30, "a1"))
        fresh = ns.plan_steps(ns.read_env({"NIGHTSHIFT_BUDGET_S": "10", "NIGHTSHIFT_SHAPE_STEPS": '{"a1":90}'}), lambda: 0.5, "c3")
        self.assertEqual((fresh.steps, fresh.measured, fresh.facts(0)["plan_shape"]), (20, True, "c3"))

    def test_shape_steps_and_the_cache_are_read_and_a_malformed_map_named(self):
        env = ns.read_env({"NIGHTSHIFT_SHAPE_STEPS": '{"a1":25}', "NIGHTSHIFT_CACHE": "/c", "NIGHTSHIFT_LEAD_STEPS": "7"})
        self.assertEqual((env.shape_steps, env.cache_dir, env.lead_steps), ({"a1": 25}, "/c", 7))
        for value, why in [("nope", "not JSON"), ('{"a1":0}', "not an object of positive whole numbers"), ("[1]", "not an object of positive whole numbers")]:
            with self.assertRaises(ns.UsageError) as caught:
                ns.read_env({"NIGHTSHIFT_SHAPE_STEPS": value})
            self.assertEqual(str(caught.exception), f"NIGHTSHIFT_SHAPE_STEPS={value!r} is invalid ({why})")

    def test_time_steps_runs_one_step_untimed_then_times_and_syncs(self):
        calls = {"step": 0, "sync": 0}

        def step():
            calls["step"] += 1
            time.sleep(0.002)

        per_step = ns.time_steps(step, 0.5, lambda: calls.__setitem__("sync", calls["sync"] + 1))
        self.assertGreater(calls["step"], 4)
        self.assertGreaterEqual(calls["sync"], calls["step"] // 10)
        self.assertTrue(0.002 <= per_step < 0.05, per_step)

    def test_a_checkpoint_without_state_round_trips_and_a_missing_one_says_so(self):
        out = tempfile.mkdtemp()
        ns.save_checkpoint({"config": {"layers": 2}, "vocab": 65}, out_dir=os.path.join(out, "new"))
        self.assertEqual(ns.load_checkpoint(os.path.join(out, "new")), ({"config": {"layers": 2}, "vocab": 65}, None))
        self.assertEqual(sorted(os.listdir(os.path.join(out, "new"))), ["config.json"], "no temporary file is left")
        with self.assertRaisesRegex(ns.UsageError, "config.json is missing: has training run with this NIGHTSHIFT_OUT"):
            ns.load_checkpoint(out)
        saved = os.environ.pop("NIGHTSHIFT_OUT", None)
        try:
            with self.assertRaisesRegex(ns.UsageError, "^NIGHTSHIFT_OUT is not set"):
                ns.load_checkpoint()
        finally:
            if saved is not None:
                os.environ["NIGHTSHIFT_OUT"] = saved

    def test_run_main_fails_in_one_line(self):
        def fail(error):
            def main():
                raise error

            err = io.StringIO()
            with contextlib.redirect_stderr(err), self.assertRaises(SystemExit) as caught:
                ns.run_main("train.py", main)
            return caught.exception.code, err.getvalue()

        self.assertEqual(fail(ns.UsageError("NIGHTSHIFT_DATA=x is empty")), (2, "train.py: NIGHTSHIFT_DATA=x is empty\n"))
        self.assertEqual(fail(KeyError("vocab")), (1, "train.py: KeyError: 'vocab'\n"))


class Torch(unittest.TestCase):
    def test_seeding_covers_numpy_and_torch(self):
        import numpy
        import torch

        self.assertEqual(ns.seed_everything(3), ["random", "numpy", "torch"])
        a = (numpy.random.rand(), torch.rand(1).item())
        ns.seed_everything(3)
        self.assertEqual((numpy.random.rand(), torch.rand(1).item()), a)
        ns.seed_everything(4)
        self.assertNotEqual(torch.rand(1).item(), a[1])
        self.assertTrue(torch.are_deterministic_algorithms_enabled())

    def test_peak_memory_on_cpu_is_the_resident_peak(self):
        import torch

        held = torch.ones(64, 2**20 // 4)  # 64 MiB
        self.assertGreater(ns.peak_mem_mb(), 64)
        del held

    def test_a_state_dict_round_trips_through_the_checkpoint(self):
        import torch

        model = torch.nn.Linear(3, 2)
        out = tempfile.mkdtemp()
        ns.save_checkpoint({"vocab": 2}, model.state_dict(), out)
        meta, state = ns.load_checkpoint(out, map_location="cpu")
        self.assertEqual(meta, {"vocab": 2})
        self.assertTrue(torch.equal(state["weight"], model.weight))
        self.assertEqual(sorted(os.listdir(out)), ["config.json", "model.pt"])

    def test_the_predictor_answers_info_and_predict_and_rejects_bad_requests(self):
        import numpy as np

        def logits_of(ids):
            return np.stack([ids, -ids], axis=-1).astype(np.float32)

        requests = ['{"op":"info"}', "", '{"op":"predict","inputs":[[0,1],[1,1]]}']
        info, answer = lines_of(ns.serve_predictions, 4, 2, logits_of, requests)
        self.assertEqual(info, {"context": 4})
        self.assertEqual(answer["shape"], [2, 2, 2])
        self.assertEqual(ns.decode_logits(answer["logits"], answer["shape"]).tolist(), [[[0, 0], [1, -1]], [[1, -1], [1, -1]]])
        for bad, message in [('{"op":"predict","inputs":[[0,1,0,1,0]]}', "at most 4"), ('{"op":"predict","inputs":[[2]]}', "vocabulary of 2"),
                             ('{"op":"predict","inputs":[[0],[0,1]]}', "different lengths"), ("nope", "not JSON"), ('{"op":"train"}', "not an info or predict")]:
            with self.assertRaisesRegex(ValueError, message):
                lines_of(ns.serve_predictions, 4, 2, logits_of, [bad])
        with self.assertRaisesRegex(ValueError, "needs 6"):
            ns.decode_logits(ns.encode_logits(np.zeros(4)), (1, 2, 3))


if __name__ == "__main__":
    unittest.main()
