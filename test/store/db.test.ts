import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openLogForWriting, openLogReadOnly, SCHEMA_VERSION } from '../../agent/store/db.ts';
import { MetricsWriter } from '../../agent/store/metrics.ts';
import { ExperimentStore } from '../../agent/store/experiments.ts';
import { MIGRATIONS } from '../../agent/store/migrations.ts';
import { interruptedCandidate } from '../../agent/schedule/state.ts';
import { tempDir } from '../helpers.ts';

test('a new log is WAL, at the current schema version, with the tables outside queries rely on', () => {
  const file = path.join(tempDir(), 'sub', 'log.db');
  const db = openLogForWriting(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const columns = (table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
  for (const c of ['id', 'session_id', 'kind', 'status', 'decision', 'metric', 'delta', 'diff', 'seed', 'description']) {
    assert.ok(columns('experiments').includes(c), c);
  }
  assert.ok(columns('sessions').includes('id'));
  assert.ok(columns('metrics').includes('experiment_id'));
  db.close();
  // Opening again migrates nothing and keeps the data.
  openLogForWriting(file).close();
});

test('a file that is not SQLite is refused in one sentence and left as it was', () => {
  const file = path.join(tempDir(), 'notes.db');
  fs.writeFileSync(file, 'these are my notes, not a database\n');
  assert.throws(() => openLogForWriting(file), { name: 'UserError', message: /is not an SQLite database/ });
  assert.throws(() => openLogReadOnly(file), { name: 'UserError', message: /is not an SQLite database/ });
  assert.equal(fs.readFileSync(file, 'utf8'), 'these are my notes, not a database\n');
});

test('a log from a newer schema is refused, not misread', () => {
  const file = path.join(tempDir(), 'future.db');
  const raw = new Database(file);
  raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
  raw.close();
  assert.throws(() => openLogForWriting(file), { name: 'UserError', message: /newer nightshift \(schema v\d+; this one knows up to v\d+\)/ });
});

test('reading a log that does not exist creates no file', () => {
  const file = path.join(tempDir(), 'missing.db');
  assert.throws(() => openLogReadOnly(file), /no log at/);
  assert.ok(!fs.existsSync(file));
});

test('step metrics are written in batches and flushed on demand', () => {
  const db = openLogForWriting(path.join(tempDir(), 'm.db'));
  db.prepare(`INSERT INTO sessions (id, status, started_at, sandbox, workspace, command, metric, goal, proposer, decision_rule, budget_s, options_json, readonly_json)
              VALUES (1, 'running', 'now', 's', 'w', 'c', 'm', 'minimize', 'planner', 'greedy', 1, '{}', '{}')`).run();
  db.prepare(`INSERT INTO experiments (id, session_id, kind, status, description, seed, base_commit, proposer, created_at)
              VALUES (1, 1, 'baseline', 'running', 'b', 1, 'abc', 'agent', 'now')`).run();
  const writer = new MetricsWriter(db, 3, 60_000);
  const count = () => (db.prepare('SELECT COUNT(*) AS n FROM metrics').get() as { n: number }).n;
  writer.add(1, { step: 1, elapsed_s: 0.1, values: { loss: 2, tps: 10 } });
  writer.add(1, { step: 2, elapsed_s: 0.2, values: { loss: 1.5, tps: 11 } });
  assert.equal(count(), 0, 'buffered');
  writer.add(1, { step: 3, elapsed_s: 0.3, values: { loss: null } });
  assert.equal(count(), 5, 'a full batch is written');
  writer.add(1, { step: 4, elapsed_s: 0.4, values: { loss: 1 } });
  writer.flush();
  assert.equal(count(), 6);
  db.close();
});

test('a v3 log migrates to sealed evaluation with every row, step and link kept, and takes status invalid', () => {
  const file = path.join(tempDir(), 'v3.db');
  const old = new Database(file);
  for (const sql of MIGRATIONS.slice(0, 3)) old.exec(sql);
  old.pragma('user_version = 3');
  old.exec(`INSERT INTO sessions (id, status, started_at, sandbox, workspace, command, metric, goal, proposer, decision_rule,
      budget_s, options_json, readonly_json) VALUES (1, 'stopped', 't', 's', 'w', 'c', 'val_bpb', 'minimize', 'planner', 'noise-aware', 60, '{}', '{}');
    INSERT INTO experiments (id, session_id, kind, status, decision, description, seed, base_commit, proposer, created_at, metric)
      VALUES (1, 1, 'baseline', 'done', 'baseline', 'baseline', 1, 'c0', 'agent', 't', 1.5),
             (2, 1, 'confirm', 'done', NULL, 'confirm', 2, 'c0', 'agent', 't', 1.4);
    UPDATE experiments SET parent_id = 1 WHERE id = 2;
    INSERT INTO metrics VALUES (1, 10, 'train_loss', 2.5, 1.0);`);
  old.close();
  const db = openLogForWriting(file);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.deepEqual(db.prepare('SELECT id, parent_id, metric, eval_json FROM experiments ORDER BY id').all(), [
    { id: 1, parent_id: null, metric: 1.5, eval_json: null },
    { id: 2, parent_id: 1, metric: 1.4, eval_json: null },
  ]);
  assert.equal((db.prepare('SELECT seal FROM sessions').get() as { seal: string }).seal, 'self-reported');
  assert.equal((db.prepare('SELECT count(*) AS n FROM metrics').get() as { n: number }).n, 1);
  db.prepare(`UPDATE experiments SET status = 'invalid' WHERE id = 2`).run();
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  assert.equal(
    (db.prepare(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'experiments' AND sql IS NOT NULL`).get() as { n: number }).n,
    6,
  );
  db.close();
});

test("an interrupted run keeps a verdict given before it, with that verdict's reason first; only an undecided candidate is re-run", () => {
  const db = openLogForWriting(path.join(tempDir(), 'cut.db'));
  db.exec(`INSERT INTO sessions (id, status, started_at, sandbox, workspace, command, metric, goal, proposer, decision_rule,
      budget_s, options_json, readonly_json) VALUES (1, 'running', 't', 's', 'w', 'c', 'val_bpb', 'minimize', 'planner', 'noise-aware', 60, '{}', '{}');
    INSERT INTO experiments (id, session_id, kind, status, decision, reason, description, seed, base_commit, proposer, created_at)
      VALUES (1, 1, 'tweak', 'running', 'revert', 'superseded: #4 was kept there first', 'a', 1, 'c0', 'planner', 't'),
             (2, 1, 'tweak', 'running', 'pending', NULL, 'b', 2, 'c0', 'planner', 't'),
             (3, 1, 'control', 'running', 'baseline', NULL, 'control', 3, 'c0', 'agent', 't');`);
  const experiments = new ExperimentStore(db);
  for (const id of [1, 2, 3]) experiments.interrupted(id, 'cancelled: no verdict will use it', 0.5);
  assert.deepEqual(
    experiments.forSession(1).map((e) => [e.status, e.decision, e.reason]),
    [
      ['interrupted', 'revert', 'superseded: #4 was kept there first; cancelled: no verdict will use it'],
      ['interrupted', null, 'cancelled: no verdict will use it'],
      ['interrupted', 'baseline', 'cancelled: no verdict will use it'],
    ],
  );
  assert.equal(interruptedCandidate(experiments.forSession(1))?.id, 2);
  db.close();
});

test("a v7 log is not read by a read-only command (log names v8's peak_mem_mb), which says to migrate it; once migrated it reads", () => {
  const file = path.join(tempDir(), 'v7.db');
  const old = new Database(file);
  for (const sql of MIGRATIONS.slice(0, 7)) old.exec(sql);
  old.pragma('user_version = 7');
  old.close();
  assert.throws(() => openLogReadOnly(file), /uses an older schema \(v7\); run 'nightshift run --db .*' once to migrate it/);
  openLogForWriting(file).close();
  const db = openLogReadOnly(file);
  assert.deepEqual(db.prepare('SELECT peak_mem_mb, gpu_model FROM experiments').all(), []);
  db.close();
});
