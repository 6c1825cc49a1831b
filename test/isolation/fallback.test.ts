import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { chooseIsolation } from '../../agent/runner/isolation/choose.ts';
import { fastSandbox, REPO, tempDir } from '../helpers.ts';

test('without bubblewrap, auto warns once and runs unsandboxed, strict refuses in one sentence, none never asks', async () => {
  const saved = process.env.PATH;
  process.env.PATH = tempDir(); // a PATH with no bwrap on it
  try {
    const auto = await chooseIsolation('auto');
    assert.equal(auto.bwrap, false);
    assert.match(
      auto.warning!,
      /^runs are not sandboxed: bwrap is not installed \(Debian: apt-get install bubblewrap\); they get the environment allowlist and a process-group kill only$/,
    );
    await assert.rejects(chooseIsolation('strict'), { name: 'UserError', message: /^--isolation strict needs bubblewrap, but bwrap is not installed/ });
    assert.deepEqual(await chooseIsolation('none'), { bwrap: false, warning: null });
  } finally {
    process.env.PATH = saved;
  }
});

/**
 * Runs the real CLI where bubblewrap is missing: /dev/null mounted over the bwrap binary in a
 * private mount namespace (nothing outside it changes). Null when this machine cannot do that.
 */
function withoutBwrap(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } | null {
  const bwrap = spawnSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).stdout.trim();
  if (bwrap === '') return spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', cwd: REPO, env: { ...process.env, ...env } });
  const hide = `mount --bind /dev/null ${bwrap}`;
  if (spawnSync('unshare', ['-m', 'sh', '-c', hide]).status !== 0) return null;
  return spawnSync('unshare', ['-m', 'sh', '-c', `${hide} && exec "$@"`, 'sh', process.execPath, '--import', 'tsx', MAIN, ...args], {
    encoding: 'utf8',
    cwd: REPO,
    env: { ...process.env, ...env },
  });
}

const MAIN = path.join(REPO, 'agent', 'cli', 'main.ts');
const QUICK = ['--budget', '5', '--baseline-runs', '1', '--max-runs', '1'];

test('without bubblewrap, --proposer claude refuses to start in one line unless --isolation none; the planner runs with one warning', async (t) => {
  const db = path.join(tempDir(), 'log.db');
  const claude = withoutBwrap(['run', '--sandbox', fastSandbox(), '--db', db, '--proposer', 'claude', ...QUICK], { ANTHROPIC_API_KEY: 'sk-test' });
  if (claude === null) return t.skip('cannot hide bwrap here (needs root and unshare -m)');
  assert.notEqual(claude.status, 0);
  // "not installed" where bwrap is missing, "cannot create namespaces" where /dev/null stands in for it.
  assert.match(
    claude.stderr,
    /^nightshift: the Claude proposer runs the code it writes only inside bubblewrap, and bwrap (is not installed|cannot [a-z ]+): install bubblewrap, or pass --isolation none to run LLM-written code unsandboxed\n$/,
  );
  assert.ok(!fs.existsSync(db), 'no log was written');

  // Unsandboxed by choice: it starts (the API is unreachable, so the planner proposes meanwhile).
  const chosen = withoutBwrap(['run', '--sandbox', fastSandbox(), '--db', db, '--proposer', 'claude', '--isolation', 'none', ...QUICK], {
    ANTHROPIC_API_KEY: 'sk-test',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
  })!;
  assert.equal(chosen.status, 0, chosen.stderr + chosen.stdout);
  assert.match(chosen.stdout, /session 1 finished/);

  const planner = withoutBwrap(['run', '--sandbox', fastSandbox(), '--db', path.join(tempDir(), 'log.db'), '--proposer', 'planner', ...QUICK])!;
  assert.equal(planner.status, 0, planner.stderr + planner.stdout);
  // Said once (other warnings, such as a self-reported metric's, are not this test's).
  const warnings = planner.stdout.split('\n').filter((l) => l.startsWith('warning: runs are not sandboxed'));
  assert.equal(warnings.length, 1, planner.stdout);
  assert.match(warnings[0]!, /^warning: runs are not sandboxed: bwrap .*; they get the environment allowlist and a process-group kill only$/);
});
