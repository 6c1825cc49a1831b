import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseIsolation } from '../../agent/runner/isolation/choose.ts';
import { tempDir } from '../helpers.ts';

test('without bubblewrap, auto warns once and runs unsandboxed, strict refuses in one sentence, none never asks', async () => {
  const saved = process.env.PATH;
  process.env.PATH = tempDir(); // a PATH with no bwrap on it
  try {
    const auto = await chooseIsolation('auto');
    assert.equal(auto.bwrap, false);
    assert.match(auto.warning!, /^runs are not sandboxed: bwrap is not installed \(Debian: apt-get install bubblewrap\); they get the environment allowlist and a process-group kill only$/);
    await assert.rejects(chooseIsolation('strict'), { name: 'UserError', message: /^--isolation strict needs bubblewrap, but bwrap is not installed/ });
    assert.deepEqual(await chooseIsolation('none'), { bwrap: false, warning: null });
  } finally {
    process.env.PATH = saved;
  }
});
