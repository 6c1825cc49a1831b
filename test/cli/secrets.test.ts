import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { isAlive } from '../../agent/loop/session-setup.ts';
import { fastSandbox, readLog, REPO, slowSandbox, tempDir, waitFor } from '../helpers.ts';
import { nightshift } from './cli.ts';

const KEY = 'sk-test-planted';

/**
 * A training script that walks up its ancestors through /proc, as a hostile one could, and
 * writes down which of their environments hold the planted key.
 */
function spyingSandbox(report: string): string {
  const sandbox = fastSandbox();
  const train = path.join(sandbox, 'train.mjs');
  const spy = `
import { readFileSync, writeFileSync } from 'node:fs';
const seen = [];
let pid = process.pid;
while (pid > 1) {
  let environ = '', cmdline = '', stat = '';
  try {
    environ = readFileSync('/proc/' + pid + '/environ', 'latin1');
    cmdline = readFileSync('/proc/' + pid + '/cmdline', 'latin1').split('\\0').join(' ');
    stat = readFileSync('/proc/' + pid + '/stat', 'latin1');
  } catch { break; }
  seen.push({ pid, cmdline, key: environ.includes(${JSON.stringify(KEY)}), handedOver: environ.includes('NIGHTSHIFT_SECRETS_FD=') });
  pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
writeFileSync(${JSON.stringify(report)}, JSON.stringify(seen));
`;
  fs.writeFileSync(train, spy + fs.readFileSync(train, 'utf8'));
  return sandbox;
}

interface Seen {
  pid: number;
  cmdline: string;
  key: boolean;
  handedOver: boolean;
}

test('no environment a run can read holds the API key but the waiting first process', async () => {
  const report = path.join(tempDir(), 'seen.json');
  const db = path.join(tempDir(), 'log.db');
  // Unsandboxed, so the script sees its real ancestors; with bubblewrap its PID namespace hides them all.
  const result = await nightshift(
    [
      'run',
      '--sandbox',
      spyingSandbox(report),
      '--db',
      db,
      '--proposer',
      'planner',
      '--isolation',
      'none',
      '--budget',
      '5',
      '--baseline-runs',
      '1',
      '--max-runs',
      '1',
    ],
    {
      env: { ANTHROPIC_API_KEY: KEY, GITHUB_TOKEN: 'ghp-planted' },
    },
  );
  assert.equal(result.exitCode, 0, String(result.all));
  const seen = JSON.parse(fs.readFileSync(report, 'utf8')) as Seen[];
  const agents = seen.filter((p) => p.cmdline.includes('main.ts'));
  assert.equal(agents.length, 2, `the agent and the process that started it, in ${JSON.stringify(seen, null, 1)}`);
  const [agent, first] = agents as [Seen, Seen];
  assert.equal(seen[0]!.key, false, 'the training script itself');
  assert.equal(agent.handedOver, true, 'the agent got the secrets on a pipe');
  assert.equal(agent.key, false, 'the agent, whose environment every run is derived from');
  for (const p of seen.slice(0, seen.indexOf(agent) + 1)) assert.equal(p.key, false, p.cmdline);
  // What remains visible, said honestly: the first process's environ holds it while it waits.
  assert.equal(first.key, true);
});

test('with a key in the environment, one SIGINT still finishes the run in flight and two stop it now', async () => {
  const env = { ANTHROPIC_API_KEY: KEY };
  const db = path.join(tempDir(), 'log.db');
  const rows = () => readLog(db).rows;
  const agent = nightshift(['run', '--sandbox', slowSandbox(1500), '--db', db, '--budget', '10', '--proposer', 'planner'], { env });
  await waitFor(() => rows().some((e) => e.status === 'running'), 20_000, 'a run');
  agent.kill('SIGINT');
  const result = await agent;
  assert.equal(result.exitCode, 0, String(result.all));
  assert.match(String(result.stdout), /stopping after the run in flight/);
  assert.doesNotMatch(String(result.stdout), /stopping now/);
  assert.deepEqual(
    rows().map((e) => e.status),
    ['done'],
  );

  const db2 = path.join(tempDir(), 'log.db');
  const second = nightshift(['run', '--sandbox', slowSandbox(5000), '--db', db2, '--budget', '10', '--proposer', 'planner'], { env });
  await waitFor(() => readLog(db2).rows.some((e) => e.status === 'running'), 20_000, 'a run');
  second.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 200));
  second.kill('SIGINT');
  const stopped = await second;
  assert.equal(stopped.exitCode, 0, String(stopped.all));
  assert.match(String(stopped.stdout), /stopping now/);
  assert.deepEqual(
    readLog(db2).rows.map((e) => e.status),
    ['interrupted'],
  );
});

test('a Ctrl-C that reaches both processes at once (the whole process group, as a terminal sends it) counts once', async () => {
  const db = path.join(tempDir(), 'log.db');
  // Its own process group, like a terminal's foreground job.
  const agent = execa(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(REPO, 'agent', 'cli', 'main.ts'),
      'run',
      '--sandbox',
      slowSandbox(1500),
      '--db',
      db,
      '--budget',
      '10',
      '--proposer',
      'planner',
    ],
    {
      env: { ANTHROPIC_API_KEY: KEY },
      detached: true,
      reject: false,
      all: true,
      stdin: 'ignore',
      cwd: REPO,
    },
  );
  await waitFor(() => readLog(db).rows.some((e) => e.status === 'running'), 20_000, 'a run');
  process.kill(-agent.pid!, 'SIGINT');
  const result = await agent;
  assert.equal(result.exitCode, 0, String(result.all));
  assert.match(String(result.stdout), /stopping after the run in flight/);
  assert.doesNotMatch(String(result.stdout), /stopping now/);
  const rows = readLog(db).rows;
  assert.deepEqual(
    rows.map((e) => e.status),
    ['done'],
    JSON.stringify(rows.map((e) => e.reason)),
  );
});

test('kill -9 of the first process takes the agent with it, so the next run resumes the session', async () => {
  const db = path.join(tempDir(), 'log.db');
  const sandbox = slowSandbox(3000);
  const args = ['run', '--sandbox', sandbox, '--db', db, '--budget', '10', '--proposer', 'planner', '--isolation', 'none'];
  const first = nightshift(args, { env: { ANTHROPIC_API_KEY: KEY } });
  await waitFor(() => readLog(db).rows.some((e) => e.status === 'running'), 20_000, 'a run');
  const agentPid = readLog(db).sessions[0]!.agent_pid!;
  assert.notEqual(agentPid, first.pid, 'the loop runs in the second process');
  first.kill('SIGKILL');
  await first;
  await waitFor(() => !isAlive(agentPid), 5_000, 'the agent to die with the first process');
  const resumed = await nightshift([...args, '--max-runs', '1'], { env: { ANTHROPIC_API_KEY: KEY } });
  assert.equal(resumed.exitCode, 0, String(resumed.all));
  assert.match(String(resumed.stdout), /resumed session 1/);
});
