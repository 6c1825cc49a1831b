import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { EventBus, type PlanEvent } from '../../agent/loop/events.ts';
import { openLogForWriting, openLogReadOnly } from '../../agent/store/db.ts';
import { ExperimentStore, type NewExperiment } from '../../agent/store/experiments.ts';
import { MetricsWriter } from '../../agent/store/metrics.ts';
import { SessionStore } from '../../agent/store/sessions.ts';
import { RunSource } from '../../agent/ui/dashboard/run-source.ts';
import { WatchSource } from '../../agent/ui/dashboard/watch-source.ts';
import { tempDir } from '../helpers.ts';

/** A log written through the real stores, as the loop writes it. */
function writer() {
  const file = path.join(tempDir(), 'log.db');
  const db = openLogForWriting(file);
  const sessions = new SessionStore(db);
  const experiments = new ExperimentStore(db);
  const session = sessions.create({
    sandbox: '/s/fast',
    workspace: '/w',
    command: 'node train.mjs',
    metric: 'val_loss',
    goal: 'minimize',
    proposer: 'planner',
    decision_rule: 'noise-aware',
    budget_s: 10,
    max_experiments: 5,
    options_json: '{}',
    readonly_json: '{}',
    seal: 'self-reported',
  });
  const base: Omit<NewExperiment, 'description' | 'seed'> = {
    session_id: session.id,
    kind: 'baseline',
    base_commit: 'c0',
    proposer: 'agent',
    decision: 'baseline',
  };
  const start = (seed: number) => {
    const row = experiments.create({ ...base, description: `baseline, seed ${seed}`, seed });
    experiments.started(row.id, '/nonexistent.log');
    return row.id;
  };
  const finish = (id: number, metric: number) =>
    experiments.finished(id, { status: 'done', metric, final_json: null, backend: 'js', exit_code: 0, signal: null, run_s: 1, reason: null });
  return { file, db, sessions, experiments, session, start, finish, metrics: new MetricsWriter(db) };
}

test('watch: follows the log through a read-only connection: rows, live steps, and the end of the session', () => {
  const w = writer();
  const reader = openLogReadOnly(w.file);
  let alive = true;
  const source = new WatchSource(reader, { colour: false, alive: () => alive });
  try {
    let view = source.view();
    assert.equal(view.status.text, `watching session 1 (agent pid ${process.pid})`);
    assert.equal(view.inFlight, null);

    const id = w.start(1);
    w.metrics.add(id, { step: 1, elapsed_s: 0.1, values: { train_loss: 2, tokens_per_s: 900 } });
    w.metrics.add(id, { step: 2, elapsed_s: 0.2, values: { train_loss: 1.5, tokens_per_s: 1000 } });
    w.metrics.flush();
    source.poll();
    view = source.view();
    assert.equal(view.inFlight?.id, id);
    assert.deepEqual(view.inFlight?.loss, [2, 1.5]);
    assert.equal(view.inFlight?.tokensPerS, 1000);

    w.metrics.add(id, { step: 3, elapsed_s: 0.3, values: { train_loss: 1 } });
    w.metrics.flush();
    source.poll();
    assert.deepEqual(source.view().inFlight?.loss, [2, 1.5, 1], 'only the new steps are read');

    w.sessions.setPaused(1, true);
    source.poll();
    assert.equal(source.view().status.tone, 'paused', 'the pause the agent stored reaches the watcher');
    assert.match(source.view().status.text, /pausing after the run in flight/);
    w.sessions.setPaused(1, false);

    w.finish(id, 0.5);
    source.poll();
    view = source.view();
    assert.equal(view.inFlight, null);
    assert.equal(view.log?.finished, 1);
    assert.equal(view.log?.report.baseline.mean, 0.5);
    assert.match(source.detail(id).join('\n'), /#1 baseline · done/);

    alive = false;
    source.poll();
    assert.match(source.view().status.text, /^no running session — .*its agent \(pid \d+\) is gone/);
    w.sessions.end(1, 'finished', 'reached --max-experiments 1');
    source.poll();
    assert.equal(source.view().status.text, 'no running session — showing the last state of session 1, finished: reached --max-experiments 1');
  } finally {
    source.close();
    reader.close();
    w.db.close();
  }
});

test('run: events bring a new view (steps throttled, the end at once); the keys reach the loop', async () => {
  const w = writer();
  const bus = new EventBus();
  const calls: string[] = [];
  const loop = { requestStop: (now?: boolean) => calls.push(`stop ${now}`), pause: (p: boolean) => calls.push(`pause ${p}`) };
  const source = new RunSource(w.db, w.session.id, bus, loop);
  let views = 0;
  source.subscribe(() => views++);
  try {
    const plan: PlanEvent = {
      type: 'plan',
      phases: [{ name: 'baseline', runs: 2 }],
      perRunS: 12,
      perRunMeasured: false,
      estimateS: 24,
      limits: { maxExperiments: 5, maxRuns: null, deadline: null },
    };
    // As the loop does: stored with the session, then said.
    w.sessions.setPlan(w.session.id, JSON.stringify(plan));
    bus.emit(plan);
    await new Promise((r) => setTimeout(r, 400));
    assert.match(source.view().plan ?? '', /^plan: baseline 2 runs; about 24 s for 2 runs at 12 s per run .*; limits: 5 decisions$/);
    const id = w.start(1);
    bus.emit({ type: 'run-started', experiment: w.experiments.get(id)! });
    for (let step = 0; step < 200; step++)
      bus.emit({ type: 'run-step', experimentId: id, step: { step, elapsed_s: step, values: { train_loss: 1 / (step + 1) } } });
    await new Promise((r) => setTimeout(r, 450));
    assert.ok(views >= 1 && views <= 3, `${views} views for 200 steps in 0.45 s`);
    assert.equal(source.view().inFlight?.step, 199);
    assert.equal(source.view().inFlight?.id, id);

    source.controls.togglePause();
    assert.match(source.view().status.text, /^pausing after the run in flight/);
    source.controls.togglePause();
    source.controls.stop(false);
    bus.emit({ type: 'stop-requested', now: false });
    source.controls.stop(false);
    source.controls.stop(true);
    source.controls.interrupt();
    assert.deepEqual(calls, ['pause true', 'pause false', 'stop false', 'stop true', 'stop undefined']);

    w.finish(id, 0.5);
    w.sessions.end(1, 'stopped', 'stopped by the user');
    bus.emit({ type: 'session-ended', session: w.sessions.get(1)! });
    assert.equal(source.view().status.text, 'session 1, stopped: stopped by the user', 'the last frame is the final state');
    assert.equal(source.view().log?.finished, 1);
  } finally {
    source.close();
    w.db.close();
  }
});
