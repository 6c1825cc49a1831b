/**
 * The installed binary, as a user's shell runs it: bin/nightshift.js on the CLI compiled to dist/
 * (`npm install` builds it, and `npm test` first; the other CLI tests run the sources through
 * tsx). No timing here: bench/cli-startup.ts prints the start-up figures. What keeps them low is
 * checked instead: the modules `--help` and `log` load (no TypeScript loader, no zod, no UI or
 * model libraries).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { buildSyntheticLog } from '../../bench/synthetic-log.ts';
import { REPO, tempDir } from '../helpers.ts';

const BIN = path.join(REPO, 'bin', 'nightshift.js');
/** Libraries too slow to load for a command that does not use them (zod alone is about 200 ms of CPU). */
const HEAVY = ['tsx', 'zod', 'ink', 'react', '@anthropic-ai', '@tensorflow', 'd3-scale', 'execa', 'csv-stringify'];

/** Runs the binary with a loader hook that lists every module it loads; its output and those modules. */
function nightshift(args: string[]) {
  const dir = tempDir();
  const listed = path.join(dir, 'modules.txt');
  const hooks = path.join(dir, 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    `import fs from 'node:fs';\nexport async function load(url, context, next) {\n  fs.appendFileSync(${JSON.stringify(listed)}, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  const register = path.join(dir, 'register.mjs');
  fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  const result = spawnSync(process.execPath, ['--import', register, BIN, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const modules = fs.existsSync(listed) ? fs.readFileSync(listed, 'utf8').trim().split('\n') : [];
  return { ...result, modules };
}

function assertLight(modules: string[]): void {
  assert.ok(
    modules.some((m) => m.includes('/dist/cli/main.js')),
    'the compiled CLI ran',
  );
  const heavy = modules.filter((m) => HEAVY.some((name) => m.includes(`/node_modules/${name}/`)));
  assert.deepEqual(heavy, [], 'these libraries slow every start-up: load them in the commands that use them');
  assert.deepEqual(
    modules.filter((m) => m.endsWith('.ts') || m.endsWith('.tsx')),
    [],
    'no TypeScript is loaded at run time',
  );
}

test('nightshift --help runs from dist/ and loads nothing heavy', () => {
  const { status, stdout, stderr, modules } = nightshift(['--help']);
  assert.equal(stderr, '');
  assert.equal(status, 0);
  assert.match(stdout, /^nightshift: an autonomous experiment agent/);
  assert.match(stdout, /^ {2}log {6}/m);
  assertLight(modules);
});

test('nightshift log --format tsv piped is the TSV alone, from dist/, with nothing heavy loaded', () => {
  const db = path.join(tempDir(), 'log.db');
  buildSyntheticLog(db, { sessions: [12], stepsPerRun: 2 });
  const { status, stdout, stderr, modules } = nightshift(['log', '--db', db, '--format', 'tsv']);
  assert.equal(stderr, '');
  assert.equal(status, 0);
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^id\tkind\t/);
  const raw = new Database(db, { readonly: true });
  const { n } = raw.prepare('SELECT count(*) AS n FROM experiments').get() as { n: number };
  raw.close();
  assert.equal(lines.length, 1 + n);
  const width = lines[0]!.split('\t').length;
  assert.deepEqual(
    lines.filter((l) => l.split('\t').length !== width),
    [],
  );
  assertLight(modules);
});

test('a bad flag of log is one line, checked without zod as the other commands check theirs', () => {
  const { status, stdout, stderr } = nightshift(['log', '--limit', '0', '--db', 'x.db']);
  assert.equal(stdout, '');
  assert.equal(stderr, 'nightshift: --limit must be a whole number ≥ 1\n');
  assert.equal(status, 2);
});
