/**
 * `log --sort best` ranks what was measured: a decided candidate by its mean over its runs, a
 * baseline or control run by its commit's mean. A lucky single run (a control, a screen, an
 * undecided candidate's first run) never comes first.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { logTable } from '../../agent/query/log-query.ts';
import { openLogForWriting, type Db } from '../../agent/store/db.ts';
import { experimentList, type LogFilter } from '../../agent/store/experiment-list.ts';
import { tempDir } from '../helpers.ts';

type Run = { kind: string; status?: string; decision?: string | null; metric: number | null; base?: string; parent?: number; design?: string };

function logWith(sessions: { goal: 'minimize' | 'maximize'; runs: Run[] }[]): Db {
  const db = openLogForWriting(path.join(tempDir(), 'log.db'));
  const session = db.prepare(
    `INSERT INTO sessions (status, started_at, sandbox, workspace, command, metric, goal, proposer, decision_rule, budget_s, options_json, readonly_json, seal)
     VALUES ('finished', '2026-01-01T00:00:00Z', 'sb', 'ws', 'cmd', 'val_bpb', ?, 'planner', 'noise-aware', 300, '{}', '{}', 'sealed')`,
  );
  const run = db.prepare(
    `INSERT INTO experiments (session_id, kind, status, decision, description, seed, base_commit, proposer, created_at, metric, parent_id, design)
     VALUES (@session, @kind, @status, @decision, @kind, 1, @base, 'planner', '2026-01-01T00:00:00Z', @metric, @parent, @design)`,
  );
  for (const s of sessions) {
    const id = Number(session.run(s.goal).lastInsertRowid);
    // A run's parent is given by its index in this session's runs (1-based).
    const offset = Number((db.prepare('SELECT count(*) AS n FROM experiments').get() as { n: number }).n);
    for (const r of s.runs)
      run.run({
        session: id,
        kind: r.kind,
        status: r.status ?? (r.metric === null ? 'crashed' : 'done'),
        decision: r.decision === undefined ? (r.kind === 'baseline' || r.kind === 'control' ? 'baseline' : null) : r.decision,
        base: r.base ?? 'c0',
        metric: r.metric,
        parent: r.parent === undefined ? null : r.parent + offset,
        design: r.design ?? null,
      });
  }
  return db;
}

const filter = (over: Partial<LogFilter> = {}): LogFilter => ({
  sessionId: 1,
  kept: false,
  statuses: [],
  kinds: [],
  since: null,
  sort: 'best',
  reverse: false,
  limit: null,
  ...over,
});

/** Ids 1–4 baselines and a lucky control of c0 (mean 0.975); 5–6 a reverted tweak with a lucky screen (0.99); 7–8 a kept ablation (0.955); 9–10 controls of its commit (0.965); 11 a pending candidate's very lucky screen; 12 a rejected change; 13 a factorial design point. */
const NIGHT: Run[] = [
  { kind: 'baseline', metric: 1.0 },
  { kind: 'baseline', metric: 1.02 },
  { kind: 'baseline', metric: 0.98 },
  { kind: 'control', metric: 0.9 },
  { kind: 'tweak', decision: 'revert', metric: 0.93 },
  { kind: 'confirm', parent: 5, metric: 1.05 },
  { kind: 'ablation', decision: 'keep', metric: 0.95 },
  { kind: 'confirm', parent: 7, metric: 0.96 },
  { kind: 'control', base: 'c1', metric: 0.96 },
  { kind: 'control', base: 'c1', metric: 0.97 },
  { kind: 'tweak', decision: 'pending', base: 'c1', metric: 0.8 },
  { kind: 'llm', status: 'rejected', decision: 'revert', base: 'c1', metric: null },
  { kind: 'ablation', decision: 'revert', base: 'c1', metric: 0.85, design: 'factorial' },
];

test('--sort best: a kept change by its mean first, then commits by their means, a lucky control or screen never on top', () => {
  const db = logWith([{ goal: 'minimize', runs: NIGHT }]);
  const { columns, rows } = experimentList(db, filter());
  assert.deepEqual(columns.slice(0, 6), ['id', 'kind', 'status', 'decision', 'mean', 'metric']);
  const ids = rows.map((r) => r[0]);
  assert.deepEqual(ids, [7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 11, 12, 13]);
  const mean = (id: number) => rows.find((r) => r[0] === id)![4] as number | null;
  assert.ok(Math.abs(mean(4)! - 0.975) < 1e-12, 'the lucky control ranks by its commit');
  assert.ok(Math.abs(mean(5)! - 0.99) < 1e-12, 'the lucky screen ranks by its candidate');
  assert.equal(mean(11), null, 'an undecided candidate has no mean yet');
  assert.equal(mean(13), null, 'a design point is not a candidate');

  const reversed = experimentList(db, filter({ reverse: true, limit: 2 })).rows.map((r) => r[0]);
  assert.deepEqual(reversed, [6, 5], 'reversed: the worst mean first (ties newest first), runs without one still last');
  // The table shows the mean it ranks by.
  assert.equal(logTable(db, filter({ limit: 1 })).columns[4]!.display?.(0.955), '0.955');
  db.close();
});

test('--sort best follows each session’s goal, also across sessions, and filters apply to the rows not to the means', () => {
  const maximize = NIGHT.map((r) => ({ ...r, metric: r.metric === null ? null : 2 - r.metric }));
  const db = logWith([
    { goal: 'minimize', runs: NIGHT },
    { goal: 'maximize', runs: maximize },
  ]);
  const two = experimentList(db, filter({ sessionId: 2 })).rows.map((r) => Number(r[0]) - NIGHT.length);
  assert.deepEqual(two, [7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 11, 12, 13]);
  const all = experimentList(db, filter({ sessionId: null, kinds: ['control'], limit: 2 }));
  assert.deepEqual(all.columns.slice(0, 2), ['id', 'session']);
  // Controls alone, each still by its commit's mean over every baseline and control run: c1's first (session 2's, whose key is −mean).
  assert.deepEqual(
    all.rows.map((r) => [r[1], Number(r[0]) - (Number(r[1]) - 1) * NIGHT.length]),
    [
      [2, 9],
      [2, 10],
    ],
  );
  db.close();
});
