import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { probeBwrap } from '../../agent/runner/isolation/probe.ts';
import { fastSandbox, readLog, REPO, tempDir } from '../helpers.ts';

const probe = await probeBwrap();
const skip = probe.usable ? false : `a small disk for the log needs bubblewrap's sized tmpfs: ${probe.usable || probe.reason}`;
const MAIN = path.join(REPO, 'agent', 'cli', 'main.ts');

test('the disk under the log fills up mid-session: one clear line, nothing corrupted, and the next run resumes to the end', { skip }, async () => {
  const out = tempDir();
  const small = tempDir();
  const sandbox = fastSandbox();
  const run = (name: string) =>
    `node --import tsx ${MAIN} run --sandbox ${sandbox} --db ${small}/log.db --budget 5 --max-runs 16 --baseline-runs 2 --isolation none ` +
    `> ${out}/${name}.out 2> ${out}/${name}.err; echo $? > ${out}/${name}.code`;
  // A 2 MiB disk, nearly full: the log and the workspace run out of space after a few runs.
  const script = [
    `dd if=/dev/zero of=${small}/filler bs=1K count=1500 2>/dev/null`,
    run('full'),
    `rm -f ${small}/filler`,
    run('freed'),
    `cp ${small}/log.db ${out}/log.db`,
  ].join('\n');
  await execa(
    'bwrap',
    ['--bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--size', String(2 * 2 ** 20), '--tmpfs', small, '--bind', out, out, '--', 'bash', '-c', script],
    {
      cwd: REPO,
    },
  );
  const read = (file: string) => fs.readFileSync(path.join(out, file), 'utf8');

  assert.equal(read('full.code').trim(), '1');
  assert.deepEqual(read('full.err').trim().split('\n'), [
    'nightshift: the disk holding the log or the workspace is full; free some space and run again: the session resumes where it stopped',
  ]);
  assert.match(read('full.out'), /#1 baseline done/, 'the session got going before the disk filled');

  assert.equal(read('freed.code').trim(), '0', read('freed.err'));
  assert.match(read('freed.out'), /^resumed session 1/);
  assert.match(read('freed.out'), /session 1 finished: reached --max-runs 16/);

  const db = path.join(out, 'log.db');
  const reader = new Database(db, { readonly: true });
  assert.equal(reader.pragma('integrity_check', { simple: true }), 'ok');
  reader.close();
  const { sessions, rows } = readLog(db);
  assert.equal(sessions.length, 1);
  assert.deepEqual(
    rows.filter((r) => r.status === 'running' || r.status === 'queued'),
    [],
  );
  // At most --max-runs, and no change left half-decided.
  assert.ok(rows.filter((r) => ['done', 'crashed', 'timeout', 'diverged'].includes(r.status)).length <= 16);
  assert.ok(!rows.some((r) => r.decision === 'pending'));
});
