import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { logCommand } from '../../agent/cli/commands/log.ts';
import { reportCommand } from '../../agent/cli/commands/report.ts';
import { showCommand } from '../../agent/cli/commands/show.ts';
import { sqlCommand } from '../../agent/cli/commands/sql.ts';
import type { Stdout } from '../../agent/query/output.ts';
import { nightshift } from '../cli/cli.ts';
import { FAST_SANDBOX, fastSandbox, tempDir, waitFor } from '../helpers.ts';

const capture = () => {
  const out = { text: '', stdout: undefined as unknown as Stdout };
  out.stdout = { write: (chunk: string) => ((out.text += chunk), true), isTTY: false, columns: 0, on: () => out.stdout } as unknown as Stdout;
  return out;
};

const finished = (db: string): number => {
  if (!fs.existsSync(db)) return 0;
  const raw = new Database(db, { readonly: true });
  try {
    return (raw.prepare(`SELECT count(*) AS n FROM experiments WHERE status = 'done'`).get() as { n: number }).n;
  } catch {
    return 0; // the schema is still being created
  } finally {
    raw.close();
  }
};

test('log, show, sql and report read the log while run writes it (WAL, read-only connections)', async () => {
  // Slowed down so that the queries below overlap with runs in flight and metric batches.
  const script = fs
    .readFileSync(path.join(FAST_SANDBOX, 'train.mjs'), 'utf8')
    .replace('console.log(`epoch ${epoch} done`);', 'console.log(`epoch ${epoch} done`); await new Promise((r) => setTimeout(r, 100));');
  const db = path.join(tempDir(), 'log.db');
  const run = nightshift(['run', '--sandbox', fastSandbox({ 'train.mjs': script }), '--db', db, '--budget', '5', '--max-runs', '10', '--baseline-runs', '2']);
  try {
    await waitFor(() => finished(db) >= 3, 60_000, 'three finished runs');
    let rounds = 0;
    while (run.exitCode === null && rounds < 5) {
      rounds++;
      const [log, sql, report, show] = [capture(), capture(), capture(), capture()];
      const codes = await Promise.all([
        logCommand(['--db', db, '--format', 'jsonl'], log.stdout),
        sqlCommand(['SELECT count(*) AS n FROM metrics', '--db', db, '--format', 'json'], sql.stdout),
        reportCommand(['--db', db, '--format', 'json'], report.stdout),
        showCommand(['1', '--db', db], show.stdout),
      ]);
      assert.deepEqual(codes, [0, 0, 0, 0]);
      assert.ok(log.text.trim().split('\n').length >= 3);
      assert.ok((JSON.parse(sql.text) as { n: number }[])[0]!.n > 0);
      assert.equal((JSON.parse(report.text) as { session: number }).session, 1);
      assert.match(show.text, /#1 baseline/);
    }
    assert.ok(rounds > 0, 'queried at least once while the run was going');
  } finally {
    const result = await run;
    assert.equal(result.exitCode, 0, String(result.all));
  }
  const raw = new Database(db, { readonly: true });
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
});
