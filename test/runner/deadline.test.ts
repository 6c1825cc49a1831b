import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDeadline } from '../../agent/runner/deadline.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a deadline does not count time the agent itself could not run', async () => {
  let expiredAt: number | null = null;
  const start = performance.now();
  const deadline = startDeadline(1000, () => (expiredAt = performance.now() - start));
  // The agent's event loop held for 2.5 s: what a SIGSTOP (or a suspended machine) looks like to its timers.
  const until = performance.now() + 2500;
  while (performance.now() < until);
  await sleep(100);
  assert.equal(expiredAt, null, 'not expired at once on waking');
  assert.ok(deadline.stalledMs() > 2000, `stalled ${deadline.stalledMs()} ms`);
  await sleep(1500);
  assert.ok(expiredAt !== null && expiredAt > 3000, `expired after ${expiredAt} ms`);
  deadline.clear();
});

test('a deadline on an agent that kept running expires on time', async () => {
  let expired = false;
  const deadline = startDeadline(600, () => (expired = true));
  await sleep(400);
  assert.equal(expired, false);
  await sleep(600);
  assert.equal(expired, true);
  assert.equal(deadline.stalledMs(), 0);
});

test('a stall is counted when asked right on waking, before the next tick has seen it', () => {
  const deadline = startDeadline(60_000, () => {});
  // The run's exit can be handled first on waking (its pipes close while the agent is stopped).
  const until = performance.now() + 2500;
  while (performance.now() < until);
  assert.ok(deadline.stalledMs() > 2000, `stalled ${deadline.stalledMs()} ms`);
  deadline.clear();
});

test("a stall between the run's start and the deadline's (the agent stopped while it spawned the run) is counted", () => {
  const started = performance.now();
  // Held before the deadline exists: a SIGSTOP landing in the synchronous spawn.
  const until = started + 2500;
  while (performance.now() < until);
  const deadline = startDeadline(60_000, () => {}, started);
  assert.ok(deadline.stalledMs() > 2000, `stalled ${deadline.stalledMs()} ms`);
  const fresh = startDeadline(60_000, () => {});
  assert.equal(fresh.stalledMs(), 0, 'without a start given, none');
  deadline.clear();
  fresh.clear();
});
