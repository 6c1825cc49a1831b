import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { bytesUnder, defaultDiskQuota, watchDiskQuota } from '../../agent/runner/disk-quota.ts';
import { tempDir } from '../helpers.ts';

const MiB = 2 ** 20;

test('bytes on disk: nested files count, a hard link once, a symlink and a sparse hole not at all', async () => {
  const dir = tempDir();
  const outside = tempDir();
  fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'a', 'b', 'one'), Buffer.alloc(MiB, 1));
  fs.writeFileSync(path.join(dir, 'two'), Buffer.alloc(2 * MiB, 1));
  fs.linkSync(path.join(dir, 'two'), path.join(dir, 'two-again'));
  fs.writeFileSync(path.join(outside, 'big'), Buffer.alloc(8 * MiB, 1));
  fs.symlinkSync(outside, path.join(dir, 'link'));
  fs.symlinkSync(path.join(outside, 'big'), path.join(dir, 'big-link'));
  const sparse = fs.openSync(path.join(dir, 'sparse'), 'w');
  fs.ftruncateSync(sparse, 1024 * MiB);
  fs.closeSync(sparse);
  const bytes = await bytesUnder([dir, path.join(dir, 'missing')]);
  assert.ok(bytes >= 3 * MiB && bytes < 3.2 * MiB, `${bytes}`);
  assert.ok(defaultDiskQuota(dir) > 0 && defaultDiskQuota(dir) <= 20 * 2 ** 30);
});

test('the watch calls back once when a real writer goes over the quota, and not after stop', async () => {
  const dir = tempDir();
  // Writes 1 MiB files until killed.
  const writer = spawn(
    process.execPath,
    ['-e', `const fs = require('fs'); let i = 0; setInterval(() => fs.writeFileSync('${dir}/f' + i++, Buffer.alloc(${MiB}, 1)), 5);`],
    { stdio: 'ignore' },
  );
  const over: number[] = [];
  const started = Date.now();
  await new Promise<void>((resolve) => {
    watchDiskQuota(
      [dir],
      16 * MiB,
      (bytes) => {
        over.push(bytes);
        writer.kill('SIGKILL');
        resolve();
      },
      50,
    );
  });
  console.log(`a 1 MiB-per-5-ms writer went over a 16 MiB quota and was stopped after ${Date.now() - started} ms at ${(over[0]! / MiB).toFixed(0)} MiB`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(over.length, 1);
  assert.ok(over[0]! > 16 * MiB);

  const quiet = watchDiskQuota([dir], 1, () => assert.fail('called after stop'), 10);
  quiet.stop();
  await new Promise((resolve) => setTimeout(resolve, 100));
});
