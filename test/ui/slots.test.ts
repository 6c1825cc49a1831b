import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { EventBus } from '../../agent/loop/events.ts';
import type { ExecutorSettings } from '../../agent/executors/settings.ts';
import type { ExperimentRow } from '../../agent/store/types.ts';
import { Dashboard } from '../../agent/ui/dashboard/components/Dashboard.tsx';
import { layout, PARTS } from '../../agent/ui/dashboard/layout.ts';
import { RunSource } from '../../agent/ui/dashboard/run-source.ts';
import { dashboardView, logView, type AgentState, type DashboardView } from '../../agent/ui/dashboard/view-model.ts';
import { WatchSource } from '../../agent/ui/dashboard/watch-source.ts';
import { openLogReadOnly } from '../../agent/store/db.ts';
import { storeLog } from '../store-log.ts';
import { at, row, session, T0 } from './rows.ts';

afterEach(cleanup);

const executor = (over: Partial<ExecutorSettings>): ExecutorSettings => ({
  kind: 'local',
  parallel: null,
  gpus: null,
  gpusPerRun: null,
  allowMixedGpus: false,
  slurmArgs: null,
  ...over,
});
const optionsWith = (over: Partial<ExecutorSettings>) => JSON.stringify({ budgetS: 300, executor: executor(over) });
const live: AgentState = { mode: 'run', paused: false, stopping: null, proposing: false };
const inFlight = (over: Partial<ExperimentRow>) =>
  row({ kind: 'tweak', status: 'running', decision: 'pending', metric: null, ended_at: null, run_s: null, ...over });

/** Two baselines done on GPUs 0 and 1, then #3 on GPU 0, #4 on GPU 1, #5 still queued: four slots of GPUs 0,0,1,1. */
function pool(): ExperimentRow[] {
  return [
    row({ id: 1, metric: 1.9, node: 'box', gpus: '["0"]', started_at: at(0), ended_at: at(300) }),
    row({ id: 2, seed: 2, metric: 1.91, node: 'box', gpus: '["1"]', started_at: at(0), ended_at: at(300) }),
    inFlight({ id: 3, description: 'tweak lr: 0.003 -> 0.006', node: 'box', gpus: '["0"]', started_at: at(300) }),
    inFlight({ id: 4, description: 'tweak heads: 4 -> 8', node: 'box', gpus: '["1"]', started_at: at(330) }),
    row({
      id: 5,
      kind: 'ablation',
      status: 'queued',
      decision: 'pending',
      description: 'ablate residual',
      metric: null,
      started_at: null,
      ended_at: null,
      run_s: null,
    }),
  ];
}

function frame(v: DashboardView, width = 100, height = 30): string[] {
  const { lastFrame } = render(h(Dashboard, { view: v, width, height, selected: null }));
  return stripVTControlCharacters(lastFrame() ?? '').split('\n');
}

const viewOf = (options_json: string, rows: ExperimentRow[], over: Parameters<typeof session>[0] = {}, agent: AgentState = live) =>
  dashboardView(logView(session({ options_json, ...over }), rows, null), { now: T0 + 400_000, agent, steps: null });

test('a session with slots: a line of slots, busy share and waits, then each run in flight where it runs', () => {
  const lines = frame(viewOf(optionsWith({ gpus: '0,0,1,1' }), pool()));
  const at = lines.findIndex((l) => l.startsWith('slots '));
  // 300 + 300 + 100 + 70 s of runs in 4 slots × 400 s.
  assert.equal(lines[at], 'slots 3/4 busy · GPUs 0,0,1,1 · 1 queued · 48% busy over the session');
  assert.deepEqual(
    lines.slice(at + 1, at + 4).map((l) => l.replace(/\s+/g, ' ').trim()),
    ['box GPU 0 #3 tweak tweak lr: 0.003 -> 0.006 1m40s', 'box GPU 1 #4 tweak tweak heads: 4 -> 8 1m10s', 'queued #5 ablation ablate residual'],
  );
  // The run panel follows the newest run that runs, not the one still waiting for a slot.
  assert.ok(lines.some((l) => l.startsWith('▶ #4 tweak')));
  // Training time is a share of the slots' time, not of the wall clock (600 s done and the panel's 70 s of 4 × 400 s).
  assert.match(lines.join('\n'), /training ≤ 42% \(wall time\)/);
});

test('Slurm: a job with no node yet is pending in Slurm, said in the line of slots and in its own', () => {
  const rows = pool().map((e) => (e.id === 4 ? { ...e, node: null, gpus: null } : e));
  const lines = frame(viewOf(optionsWith({ kind: 'slurm', parallel: 4, gpusPerRun: 1 }), rows));
  assert.ok(lines.includes('slots 3/4 busy · slurm · 1 pending in Slurm · 1 queued · 48% busy over the session'), lines.join('\n'));
  assert.ok(lines.some((l) => /^ {2}pending +#4 tweak tweak heads: 4 -> 8 +1m10s$/.test(l)));
});

test('one run at a time: no line of slots, the frame as before', () => {
  const text = frame(viewOf('{}', pool())).join('\n');
  assert.doesNotMatch(text, /slots|busy over/);
  assert.match(text, /training ≤ 100% \(wall time\)/);
});

test('once the session ended: the slots and their busy share in one line, no run listed', () => {
  const rows = pool().slice(0, 2);
  const lines = frame(viewOf(optionsWith({ parallel: 2 }), rows, { status: 'finished', ended_at: at(400), end_reason: 'done' }));
  const at0 = lines.findIndex((l) => l.startsWith('2 slots'));
  assert.equal(lines[at0], '2 slots · local · 75% busy over the session');
  assert.doesNotMatch(lines[at0 + 1]!, /^ {2}/);
});

test('layout: the slots get their line and one per run in flight as room allows, and the frame never fills the terminal', () => {
  const input = { notice: false, inFlight: true, hypothesis: true, metric: true, llm: false, chart: true, recentRows: 40, effectRows: 3, interactionRows: 1 };
  const total = (l: Record<string, number>) => PARTS.reduce((s, p) => s + l[p]!, 0);
  for (let height = 3; height <= 80; height++) {
    const l = layout({ ...input, slotRuns: 12, height });
    assert.ok(total(l) <= height - 1, `height ${height}: ${total(l)} lines`);
  }
  assert.equal(layout({ ...input, slotRuns: 4, height: 40 }).slots, 5);
  assert.equal(layout({ ...input, slotRuns: 16, height: 24 }).slots, 1 + 4, '80×24 shows the first four runs');
  assert.equal(layout({ ...input, slotRuns: 16, height: 60 }).slots, 1 + 16);
  assert.equal(layout({ ...input, slotRuns: 0, height: 40 }).slots, 1);
  assert.equal(layout({ ...input, height: 40 }).slots, 0);
  // A frame of 80×24 with many runs in flight fits.
  const many = [...pool(), ...Array.from({ length: 10 }, (_, i) => inFlight({ id: 10 + i, gpus: `["${i % 2}"]`, node: 'box', started_at: at(350) }))];
  const lines = frame(viewOf(optionsWith({ parallel: 16 }), many), 80, 24);
  assert.ok(lines.length <= 23, `${lines.length} lines`);
  assert.ok(lines.every((l) => [...l].length <= 80));
  assert.ok(lines.some((l) => l.startsWith('slots 13/16 busy')));
});

/** A log written through the real stores whose one session has these slot settings. */
function parallelLog(over: Partial<ExecutorSettings>) {
  const log = storeLog();
  log.session(JSON.parse(optionsWith(over)));
  return { ...log, create: (seed: number) => log.baseline(1, seed) };
}

test('watch: the slots come from the log another process writes; a node given to a pending job shows without any other change', () => {
  const w = parallelLog({ kind: 'slurm', parallel: 2 });
  const reader = openLogReadOnly(w.file);
  const source = new WatchSource(reader, { colour: false, alive: () => true });
  try {
    const [a, b] = [w.create(1), w.create(2)];
    w.experiments.started(a, '/a.log');
    w.experiments.placed(a, { node: 'node1', gpus: ['0'], gpuModel: 'NVIDIA H200' });
    w.experiments.started(b, '/b.log');
    source.poll();
    const states = () => source.view().slots?.in_flight.map((r) => `#${r.experiment} ${r.state} ${r.node ?? '-'}`);
    assert.deepEqual(states(), [`#${a} running node1`, `#${b} waiting -`]);
    // Slurm starts the second job: only its node changes in the log.
    w.experiments.placed(b, { node: 'node2', gpus: ['1'], gpuModel: 'NVIDIA H200' });
    source.poll();
    assert.deepEqual(states(), [`#${a} running node1`, `#${b} running node2`]);
    assert.equal(source.view().slots?.free, 0);
  } finally {
    source.close();
    reader.close();
    w.db.close();
  }
});

test('run: a run placed by the executor shows at once; with two runs printing steps, the panel follows the current one only', async () => {
  const w = parallelLog({ parallel: 2 });
  const bus = new EventBus();
  const source = new RunSource(w.db, 1, bus, { requestStop: () => {}, pause: () => {} });
  const settle = () => new Promise((r) => setTimeout(r, 400));
  try {
    const [a, b] = [w.create(1), w.create(2)];
    for (const id of [a, b]) {
      w.experiments.started(id, `/${id}.log`);
      bus.emit({ type: 'run-started', experiment: w.experiments.get(id)! });
    }
    await settle();
    w.experiments.placed(a, { node: 'box', gpus: [], gpuModel: null });
    bus.emit({ type: 'run-placed', experiment: w.experiments.get(a)! });
    await settle();
    assert.deepEqual(
      source.view().slots?.in_flight.map((r) => r.node),
      ['box', null],
    );
    for (let step = 1; step <= 6; step++) {
      const id = step % 2 === 0 ? a : b;
      bus.emit({ type: 'run-step', experimentId: id, step: { step: id * 100 + step, elapsed_s: step, values: { train_loss: id } } });
    }
    await settle();
    const panel = source.view().inFlight!;
    assert.equal(panel.id, b);
    assert.deepEqual(panel.loss, [b, b, b], "the other run's steps are not mixed in");
  } finally {
    source.close();
    w.db.close();
  }
});
