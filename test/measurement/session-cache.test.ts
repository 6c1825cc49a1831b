import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { MeasuredSession } from '../../agent/measurement/run-request.ts';
import { cacheDir, prepareCache, readyCache } from '../../agent/measurement/session-cache.ts';
import { tempDir } from '../helpers.ts';

/** What the cache reads of a session: the prepare command and where the workspace is. */
function session(prepare: string | undefined): MeasuredSession {
  const dir = path.join(tempDir(), 'workspace');
  fs.mkdirSync(dir);
  return { workspace: { dir }, sandbox: { dir, config: { prepare } } } as unknown as MeasuredSession;
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

test('the prepare command runs once per session, however many runs ask at once, and its folder is handed on only when complete', async () => {
  const opened = session('echo made >> "$NIGHTSHIFT_CACHE/../count" && echo corpus > "$NIGHTSHIFT_CACHE/corpus.txt"');
  const cache = cacheDir(opened);
  const withCache = { ...env, NIGHTSHIFT_CACHE: cache };
  assert.equal(readyCache(opened), null);
  const [a, b] = await Promise.all([prepareCache(opened, withCache), prepareCache(opened, withCache)]);
  assert.deepEqual([a, b, readyCache(opened)], [cache, cache, cache]);
  assert.equal(fs.readFileSync(path.join(cache, '..', 'count'), 'utf8'), 'made\n');
  assert.equal(fs.readFileSync(path.join(cache, 'corpus.txt'), 'utf8'), 'corpus\n');
});

test('a prepare command that fails leaves no cache, and a sandbox without one has none', async () => {
  const failing = session('echo half > "$NIGHTSHIFT_CACHE/corpus.txt"; exit 3');
  assert.equal(await prepareCache(failing, { ...env, NIGHTSHIFT_CACHE: cacheDir(failing) }), null);
  assert.equal(readyCache(failing), null);
  assert.match(fs.readFileSync(`${cacheDir(failing)}.log`, 'utf8'), /exit 3/);
  assert.equal(await prepareCache(session(undefined), env), null);
});
