import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { bwrapArgs } from '../../agent/runner/isolation/bwrap-args.ts';
import { credentialMasks, hiddenMasks, isCredential } from '../../agent/runner/isolation/credentials.ts';
import { probeBwrap } from '../../agent/runner/isolation/probe.ts';
import { isolationView } from '../../agent/runner/isolation/view.ts';
import { tempDir } from '../helpers.ts';

const probe = await probeBwrap();
const skip = probe.usable ? false : `bubblewrap is not usable here: ${probe.reason}`;

/** Makes files (with their folders) under a root; a value ending in / makes a folder. */
function tree(root: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(root, name);
    if (text.endsWith('/')) fs.mkdirSync(p, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    }
  }
}

test('credential files and folders are found a few levels down, by their conventional names, outside packages', () => {
  const root = tempDir();
  tree(root, {
    '.ssh/id_ed25519': 'key',
    '.netrc': 'machine x',
    'a/.aws/credentials': 'k',
    'a/b/credentials.json': '{}',
    'a/b/c/.gnupg/x': 'deep',
    'node_modules/pkg/.npmrc': 'published',
    '.env/bin/python': 'a folder named .env is a virtualenv, not a dotenv file',
    'notes.txt': 'fine',
  });
  fs.symlinkSync(path.join(root, 'a', 'keys'), path.join(root, '.git-credentials'));
  fs.writeFileSync(path.join(root, 'a', 'keys'), 'token');
  const masks = credentialMasks([root]);
  assert.deepEqual(masks.folders.map((p) => path.relative(root, p)).sort(), ['.ssh', 'a/.aws']);
  assert.deepEqual(masks.files.map((p) => path.relative(root, p)).sort(), ['.netrc', 'a/b/credentials.json', 'a/keys']);
  assert.ok(isCredential('credentials.db', false) && isCredential('.config', true) && !isCredential('.config', false));

  const hidden = hiddenMasks([path.join(root, 'notes.txt'), path.join(root, 'a'), path.join(root, 'missing.db')]);
  assert.deepEqual(hidden, { files: [path.join(root, 'notes.txt')], folders: [path.join(root, 'a')] });
});

test("the view holds the folders the run's library and module search variables name, by PATH's rules", () => {
  const t = tempDir();
  tree(t, { 'cuda/lib64/libcudart.so': 'elf', 'site/mod.py': '' });
  // A tool folder that is a link to a home would bind the home under another name.
  fs.symlinkSync(os.homedir(), path.join(t, 'homelink'));
  const env = {
    LD_LIBRARY_PATH: `${path.join(t, 'cuda/lib64')}:relative:/`,
    PYTHONPATH: path.join(t, 'site'),
    VIRTUAL_ENV: os.homedir(),
    CONDA_PREFIX: path.join(t, 'homelink'),
  };
  const view = isolationView(t, t, `/usr/bin:${path.join(t, 'homelink/bin')}`, undefined, { env });
  for (const p of ['cuda/lib64', 'site']) assert.ok(view.readonly.includes(path.join(t, p)), p);
  for (const p of ['/', os.homedir(), path.join(t, 'homelink')]) assert.ok(!view.readonly.includes(p), `never the root nor a home: ${p}`);
});

const PROBE = (p: Record<string, string | number>) => `
import fs from 'node:fs';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
const P = ${JSON.stringify(p)};
const saw = {};
const tryIt = (name, fn) => { try { saw[name] = fn(); } catch (e) { saw[name] = 'error ' + e.code; } };
tryIt('shadow', () => fs.readFileSync('/etc/shadow', 'utf8'));
tryIt('agentHomeSsh', () => fs.readdirSync(P.home + '/.ssh'));
tryIt('agentHomeAws', () => fs.readdirSync(P.home + '/.aws'));
for (const name of ['.ssh', '.aws', '.config']) tryIt('fake' + name, () => fs.readdirSync(P.fakeHome + '/' + name));
tryIt('fake.netrc', () => fs.readFileSync(P.fakeHome + '/.netrc', 'utf8'));
tryIt('fakeNotes', () => fs.readFileSync(P.fakeHome + '/notes.txt', 'utf8'));
tryIt('top', () => fs.readdirSync('/').sort());
tryIt('etc', () => fs.readdirSync('/etc'));
tryIt('pids', () => fs.readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).map(Number));
tryIt('agentPid', () => fs.existsSync('/proc/' + P.agentPid));
tryIt('log', () => fs.readFileSync(P.log, 'utf8'));
tryIt('logWal', () => fs.readFileSync(P.log + '-wal', 'utf8'));
tryIt('gitDir', () => fs.readdirSync(P.gitDir));
tryIt('stateNotes', () => fs.readFileSync(P.state + '/notes.txt', 'utf8'));
tryIt('elsewhere', () => fs.existsSync(P.elsewhere));
tryIt('hello', () => execFileSync('hello', { encoding: 'utf8' }).trim());
saw.tcp = await new Promise((resolve) => {
  const socket = net.connect(P.port, '127.0.0.1', () => { socket.end(); resolve('connected'); });
  socket.on('error', (e) => resolve('error ' + e.code));
});
const write = (p) => { try { fs.writeFileSync(p, 'x'); return 'written'; } catch (e) { return 'error ' + e.code; } };
saw.writes = Object.fromEntries(P.writes.split(',').map((p) => [p, write(p)]));
console.log(JSON.stringify(saw));
`;

test('a probe in the real sandbox sees only its view: no secrets, no agent, no log, no network, and writes only its own folders', { skip }, async () => {
  const t = tempDir();
  // A tool folder on PATH with a home-like folder inside: its credentials must read as empty.
  tree(t, {
    'tools/bin/': '/',
    'tools/fakehome/.ssh/id_rsa': 'PRIVATE KEY',
    'tools/fakehome/.aws/credentials': 'aws key',
    'tools/fakehome/.config/gh/hosts.yml': 'token',
    'tools/fakehome/.netrc': 'password',
    'tools/fakehome/notes.txt': 'visible',
  });
  // "nightshift installed under /tmp": a package folder whose .bin is on PATH.
  tree(t, {
    'pkg/node_modules/hello/package.json': '{"type": "commonjs"}',
    'pkg/node_modules/hello/cli.js': "#!/usr/bin/env node\nconsole.log(require('./lib.js'));\n",
    'pkg/node_modules/hello/lib.js': "module.exports = 'hello from ' + __dirname;\n",
  });
  fs.chmodSync(path.join(t, 'pkg/node_modules/hello/cli.js'), 0o755);
  fs.mkdirSync(path.join(t, 'pkg/node_modules/.bin'));
  fs.symlinkSync('../hello/cli.js', path.join(t, 'pkg/node_modules/.bin/hello'));
  // A folder the run may read that also holds the agent's log and the session's history.
  const state = path.join(t, 'state');
  const log = path.join(state, 'experiments.db');
  const gitDir = path.join(state, '.nightshift/experiments/session-1/workspace.git');
  tree(t, { 'state/experiments.db': 'SQLite rows', 'state/experiments.db-wal': 'wal', 'state/experiments.db-shm': 'shm', 'state/notes.txt': 'corpus notes' });
  tree(gitDir, { HEAD: 'ref: refs/heads/main' });
  const elsewhere = path.join(t, 'elsewhere', 'other.db');
  tree(t, { 'elsewhere/other.db': 'not in the view' });
  const workspace = path.join(t, 'ws');
  const outDir = path.join(t, 'out');
  tree(t, { 'ws/': '/', 'out/': '/' });

  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const fakeHome = path.join(t, 'tools/fakehome');
    const writes = [
      path.join(workspace, 'w'),
      path.join(outDir, 'w'),
      '/tmp/w',
      '/w',
      '/etc/w',
      '/usr/w',
      path.join(t, 'tools/w'),
      path.join(state, 'w'),
      path.join(fakeHome, '.ssh/w'),
    ];
    fs.writeFileSync(
      path.join(workspace, 'probe.mjs'),
      PROBE({
        home: os.homedir(),
        fakeHome,
        agentPid: process.pid,
        log,
        gitDir,
        state,
        elsewhere,
        port: (server.address() as net.AddressInfo).port,
        writes: writes.join(','),
      }),
    );
    const pathVar = [path.join(t, 'pkg/node_modules/.bin'), path.join(t, 'tools/bin'), process.env.PATH].join(':');
    const view = isolationView(workspace, outDir, pathVar, undefined, { extraReadonly: [state], hidden: [log, `${log}-wal`, `${log}-shm`, gitDir, elsewhere] });
    const result = await execa('bwrap', bwrapArgs({ ...view, workspace, env: { PATH: pathVar }, command: 'node probe.mjs' }), { reject: false });
    assert.equal(result.exitCode, 0, result.stderr);
    const saw = JSON.parse(result.stdout) as Record<string, unknown>;

    assert.equal(saw.shadow, 'error ENOENT');
    for (const name of ['agentHomeSsh', 'agentHomeAws'])
      assert.ok(saw[name] === 'error ENOENT' || (saw[name] as string[]).length === 0, `${name}: ${saw[name]}`);
    for (const name of ['fake.ssh', 'fake.aws', 'fake.config']) assert.deepEqual(saw[name], [], name);
    // A masked file is /dev/null bound read-only; binds are nodev, so reading it is refused.
    const masked = (v: unknown) => v === '' || v === 'error EACCES';
    assert.ok(masked(saw['fake.netrc']), String(saw['fake.netrc']));
    assert.equal(saw.fakeNotes, 'visible', 'the tool folder itself is in the view');
    assert.ok(!(saw.etc as string[]).some((n) => ['shadow', 'gshadow', 'sudoers', 'ssh', 'pip.conf', 'npmrc'].includes(n)), String(saw.etc));

    // The top level holds the system folders and the first folder of each bind, nothing else.
    const binds = [...view.readonly, ...view.symlinks.map(([, link]) => link), workspace, outDir];
    const expected = new Set(['dev', 'proc', 'tmp', ...binds.map((p) => p.split(path.sep)[1]!)]);
    assert.deepEqual(saw.top, [...expected].sort());
    for (const name of ['home', 'var', 'boot', 'run', 'srv', 'mnt']) assert.ok(!(saw.top as string[]).includes(name), name);

    assert.ok((saw.pids as number[]).length < 10, `its own PID namespace: ${saw.pids}`);
    assert.equal(saw.agentPid, false, "the agent's process is not in its /proc");
    assert.ok(masked(saw.log) && masked(saw.logWal), `the log cannot be read: ${saw.log}, ${saw.logWal}`);
    assert.deepEqual(saw.gitDir, [], "the session's history reads as empty");
    assert.equal(saw.stateNotes, 'corpus notes');
    assert.equal(saw.elsewhere, false);
    assert.equal(saw.hello, `hello from ${path.join(t, 'pkg/node_modules/hello')}`, 'a package installed under /tmp runs');
    assert.match(saw.tcp as string, /^error/);
    assert.equal(connections, 0);
    const [ws, out, tmp, ...rest] = writes;
    assert.deepEqual(saw.writes, { [ws!]: 'written', [out!]: 'written', [tmp!]: 'written', ...Object.fromEntries(rest.map((p) => [p, 'error EROFS'])) });
    assert.ok(!fs.existsSync('/w') && !fs.existsSync(path.join(state, 'w')));
  } finally {
    server.close();
  }
});

test('a predict process reads the artifact folder and cannot change it', { skip }, async () => {
  const workspace = tempDir();
  const outDir = tempDir();
  fs.writeFileSync(path.join(outDir, 'model.bin'), 'weights');
  const view = isolationView(workspace, outDir, process.env.PATH!, undefined, { outReadonly: true });
  const command = `cat ${outDir}/model.bin; echo; touch ${outDir}/new 2>&1 || true`;
  const result = await execa('bwrap', bwrapArgs({ ...view, workspace, env: { PATH: process.env.PATH! }, command }));
  assert.match(result.stdout, /^weights\n.*Read-only file system/);
});

test('hiding a folder that holds the workspace hides its other files and keeps the workspace', { skip }, async () => {
  const t = tempDir();
  tree(t, { 'session/workspace.git/HEAD': 'ref', 'session/ws/train.mjs': '', 'session/out/': '/' });
  const workspace = path.join(t, 'session/ws');
  const view = isolationView(workspace, path.join(t, 'session/out'), process.env.PATH!, undefined, { extraReadonly: [t], hidden: [path.join(t, 'session')] });
  const command = `ls ${t}/session; ls ${t}/session/workspace.git; touch ${workspace}/w && echo written`;
  const result = await execa('bwrap', bwrapArgs({ ...view, workspace, env: { PATH: process.env.PATH! }, command }));
  assert.deepEqual(result.stdout.split('\n'), ['out', 'ws', 'written']);
});
