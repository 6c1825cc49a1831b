import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { killLeftovers, processesMarked, runMarks } from '../../agent/runner/leftovers.ts';
import { killOrphanedRun } from '../../agent/runner/orphans.ts';
import { isAlive, tempDir, waitFor } from '../helpers.ts';

test('a run is marked by its experiment id and its output folder', () => {
  assert.deepEqual(runMarks({ NIGHTSHIFT_EXPERIMENT_ID: '7', NIGHTSHIFT_OUT: '/s/out/7', PATH: '/bin' }), [
    'NIGHTSHIFT_EXPERIMENT_ID=7',
    'NIGHTSHIFT_OUT=/s/out/7',
  ]);
  assert.deepEqual(runMarks({ PATH: '/bin' }), []);
  assert.deepEqual(processesMarked([]), []);
});

test('setsid daemons and their children carrying the marks are killed; a process of another session with the same id is not', async () => {
  const out = tempDir();
  const env = { PATH: process.env.PATH!, NIGHTSHIFT_EXPERIMENT_ID: '424242', NIGHTSHIFT_OUT: out };
  // A script that starts two daemons out of its group (one forking a child) and exits at once.
  const script = spawn('sh', ['-c', `setsid sh -c 'sleep 1000 & sleep 1000' & setsid sleep 1000 & exit 0`], { env, stdio: 'ignore' });
  await new Promise((resolve) => script.once('exit', resolve));
  const other = spawn('sleep', ['1000'], { env: { ...env, NIGHTSHIFT_OUT: `${out}-other` }, stdio: 'ignore' });
  const marks = runMarks(env);
  await waitFor(() => processesMarked(marks).length === 4, 5000, 'the daemons');
  assert.equal(await killLeftovers(marks), 4);
  assert.deepEqual(processesMarked(marks), []);
  assert.ok(isAlive(other.pid!), 'a process without the marks survives');
  other.kill('SIGKILL');
});

test('a process that keeps forking is swept until none is left', async () => {
  const out = tempDir();
  // Each generation starts the next in a new session after a moment: a moving target.
  const hop = `sleep 0.01; setsid sh -c "$HOP" & exec sleep 1000`;
  const env = { PATH: process.env.PATH!, NIGHTSHIFT_EXPERIMENT_ID: '434343', NIGHTSHIFT_OUT: out, HOP: hop };
  spawn('setsid', ['sh', '-c', hop], { env, stdio: 'ignore', detached: true }).unref();
  const marks = runMarks(env);
  await waitFor(() => processesMarked(marks).length >= 10, 5000, 'the hopping daemons');
  await killLeftovers(marks);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(processesMarked(marks), []);
});

test("an orphaned run's group and its daemons are killed by the leader's id; a wrong id touches nothing", async () => {
  const out = tempDir();
  const env = { PATH: process.env.PATH!, NIGHTSHIFT_EXPERIMENT_ID: '454545', NIGHTSHIFT_OUT: out };
  const leader = spawn('sh', ['-c', `setsid sleep 1000 & sleep 1000`], { env, stdio: 'ignore', detached: true });
  const marks = runMarks(env);
  await waitFor(() => processesMarked(marks).length === 3, 5000, 'the run');
  assert.equal(await killOrphanedRun(leader.pid!, 999), false);
  assert.equal(processesMarked(marks).length, 3);
  assert.equal(await killOrphanedRun(leader.pid!, 454545), true);
  assert.deepEqual(processesMarked(marks), []);
});
