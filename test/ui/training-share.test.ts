/**
 * The dashboard's training share on a log from the real loop: the fast sandbox's final line states
 * its own training clock (elapsed_s, stopped before the evaluation), so the share counts that and
 * not each process's start-up and evaluation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { Dashboard } from '../../agent/ui/dashboard/components/Dashboard.tsx';
import { dashboardView, logView } from '../../agent/ui/dashboard/view-model.ts';
import { fastSandbox } from '../helpers.ts';
import { options, runLoop } from '../loop/harness.ts';

test('training share of a real session: the scripts’ own clocks over the session’s time, said without “wall time”', async () => {
  const { session, rows } = await runLoop(options(fastSandbox(), { baselineRuns: 2, ablationRuns: 1, maxExperiments: 2 }));
  const done = rows.filter((e) => e.status === 'done');
  assert.ok(done.length >= 3, `${done.length} runs`);
  let stated = 0;
  let wall = 0;
  for (const e of done) {
    const { elapsed_s } = JSON.parse(e.final_json!) as { elapsed_s: number };
    assert.ok(elapsed_s >= 0 && elapsed_s < e.run_s!, `#${e.id}: trained ${elapsed_s} s of its ${e.run_s} s process`);
    stated += elapsed_s;
    wall += e.run_s!;
  }

  const log = logView(session, rows, null);
  assert.equal(log.trainingSource, 'script');
  assert.ok(Math.abs(log.trainingS - stated) < 1e-9, `${log.trainingS} s, the final lines say ${stated} s`);
  const sessionS = (Date.parse(session.ended_at!) - Date.parse(session.started_at)) / 1000;
  const view = dashboardView(log, { now: Date.now(), agent: { mode: 'watch', alive: false }, steps: null });
  assert.ok(Math.abs(view.session!.trainingShare! - stated / sessionS) < 1e-9);
  // The processes' wall time would have said more: start-up and evaluation are not training.
  assert.ok(wall > stated);

  const { lastFrame } = render(h(Dashboard, { view, width: 120, height: 30, selected: null }));
  const frame = stripVTControlCharacters(lastFrame() ?? '');
  cleanup();
  assert.ok(frame.includes(`· training ${Math.round((stated / sessionS) * 100)}% of the time`), frame);
  assert.doesNotMatch(frame, /wall time/);
});
