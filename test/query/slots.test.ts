import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExecutorSettings } from '../../agent/executors/settings.ts';
import { placeText, slotsView, storedExecutor } from '../../agent/query/slots.ts';
import { at, row, session, T0 } from '../ui/rows.ts';

/** A session stored with these slot settings (as `run --parallel/--gpus/--executor` stores them). */
const withSlots = (over: Partial<ExecutorSettings>, extra: Parameters<typeof session>[0] = {}) =>
  session({
    options_json: JSON.stringify({
      budgetS: 300,
      executor: { kind: 'local', parallel: null, gpus: null, gpusPerRun: null, allowMixedGpus: false, slurmArgs: null, ...over },
    }),
    ...extra,
  });

const running = (over: Parameters<typeof row>[0]) => row({ status: 'running', decision: 'pending', kind: 'tweak', ended_at: null, run_s: null, ...over });

test('a session run one at a time (no executor stored) has no slots, nor does one whose options are not JSON', () => {
  assert.equal(slotsView(session(), [row()], T0 + 1000), null);
  assert.equal(slotsView(session({ options_json: '{"budgetS": 300}' }), [row()], T0 + 1000), null);
  assert.equal(slotsView(session({ options_json: 'not json' }), [row()], T0 + 1000), null);
  assert.equal(storedExecutor(session({ options_json: '{"executor": {"kind": "kubernetes"}}' })), undefined);
});

test('the slot count comes from the stored flags, as the pool counts them', () => {
  const count = (over: Partial<ExecutorSettings>) => slotsView(withSlots(over), [], T0)?.count;
  assert.equal(count({ parallel: 3 }), 3);
  assert.equal(count({ gpus: '0,1,2,3' }), 4);
  assert.equal(count({ gpus: '0,0,0,0' }), 4);
  assert.equal(count({ gpus: '0,1,2,3', gpusPerRun: 2 }), 2);
  assert.equal(count({ kind: 'slurm', parallel: 8, gpusPerRun: 1 }), 8);
  assert.equal(count({ kind: 'slurm' }), 1);
  // Flags the agent would have refused (a log edited by hand): no slots rather than an error on screen.
  assert.equal(slotsView(withSlots({ gpus: '0,1,2', gpusPerRun: 2 }), [], T0), null);
  assert.equal(slotsView(withSlots({ gpus: 'x' }), [], T0), null);
});

test('which run is where: placed runs, a Slurm job with no node yet (waiting), a row not yet submitted (queued)', () => {
  const rows = [
    row({ id: 1, node: 'n1', gpus: '["0"]', gpu_model: 'NVIDIA H200', started_at: at(0), ended_at: at(100) }),
    running({ id: 2, node: 'n2', gpus: '["1"]', gpu_model: 'NVIDIA H200', started_at: at(100) }),
    running({ id: 3, started_at: at(150) }),
    row({ id: 4, status: 'queued', decision: 'pending', started_at: null, ended_at: null, run_s: null }),
  ];
  const slurm = slotsView(withSlots({ kind: 'slurm', parallel: 4 }), rows, T0 + 200_000)!;
  assert.equal(slurm.label, 'slurm');
  assert.deepEqual(
    slurm.in_flight.map((r) => [r.experiment, r.state, placeText(r)]),
    [
      [2, 'running', 'n2 GPU 1'],
      [3, 'waiting', ''],
      [4, 'queued', ''],
    ],
  );
  assert.equal(slurm.free, 1);
  // Locally a run with no place recorded is running all the same: only Slurm has a queue of its own.
  const local = slotsView(withSlots({ parallel: 4 }), rows, T0 + 200_000)!;
  assert.deepEqual(
    local.in_flight.map((r) => r.state),
    ['running', 'running', 'queued'],
  );
});

test('utilisation: the runs wall time, summed, over slots × the session wall time; runs in flight count up to the end', () => {
  const s = withSlots({ gpus: '0,1' }, { started_at: at(0) });
  const rows = [
    row({ id: 1, gpus: '["0"]', node: 'h', started_at: at(0), ended_at: at(300) }),
    row({ id: 2, gpus: '["1"]', node: 'h', started_at: at(0), ended_at: at(200) }),
    // Never started (rejected unrun): holds no slot.
    row({ id: 3, status: 'rejected', decision: 'revert', started_at: null, ended_at: at(200), run_s: null }),
    running({ id: 4, gpus: '["1"]', node: 'h', started_at: at(250) }),
  ];
  const v = slotsView(s, rows, T0 + 400_000)!;
  // 300 + 200 + 150 s of 2 × 400 s.
  assert.equal(v.busy_s, 650);
  assert.equal(v.wall_s, 400);
  assert.equal(v.utilisation, 650 / 800);
  assert.deepEqual(
    v.places.map((p) => [placeText(p), p.runs, p.busy_s]),
    [
      ['h GPU 0', 1, 300],
      ['h GPU 1', 2, 350],
    ],
  );
  // A resumed session's rows from before a restart, or clocks a little apart, never count past its span.
  const early = slotsView(s, [row({ id: 1, started_at: at(-50), ended_at: at(500) })], T0 + 400_000)!;
  assert.equal(early.busy_s, 400);
  assert.equal(early.utilisation, 0.5);
  assert.equal(slotsView(s, [], T0)!.utilisation, null);
});

test('places are ordered by node, then GPU as a number (GPU 2 before GPU 10), each with its model', () => {
  const rows = ['10', '2', '0'].map((g, i) =>
    row({ id: i + 1, node: 'n1', gpus: JSON.stringify([g]), gpu_model: 'A100', started_at: at(0), ended_at: at(10) }),
  );
  rows.push(row({ id: 4, node: 'n0', gpus: '["5"]', started_at: at(0), ended_at: at(10) }));
  const v = slotsView(withSlots({ kind: 'slurm', parallel: 4 }), rows, T0 + 10_000)!;
  assert.deepEqual(
    v.places.map((p) => `${placeText(p)} ${p.gpu_model}`),
    ['n0 GPU 5 null', 'n1 GPU 0 A100', 'n1 GPU 2 A100', 'n1 GPU 10 A100'],
  );
  assert.equal(placeText({ node: null, gpus: ['0', '1'] }), 'GPUs 0,1');
});
