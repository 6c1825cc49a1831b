import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readLog, slowSandbox, tempDir, waitFor } from '../helpers.ts';
import { nightshift } from './cli.ts';

test('run --parallel 2: while both baseline runs go, watch shows each where it runs; afterwards report says where they ran and how busy the slots were', async () => {
  const dir = tempDir();
  const db = path.join(dir, 'log.db');
  const agent = nightshift([
    'run',
    '--sandbox',
    slowSandbox(8000),
    '--db',
    db,
    '--parallel',
    '2',
    '--max-runs',
    '2',
    '--budget',
    '30',
    '--isolation',
    'none',
    '--headless',
  ]);
  try {
    // The place is written while the run goes (the executor said it), not only when it ends.
    const placed = () => readLog(db).rows.filter((r) => r.status === 'running' && r.node !== null && r.node !== undefined);
    await waitFor(() => placed().length === 2, 30_000, 'two runs in flight, each with its node recorded');
    const watch = await nightshift(['watch', '--db', db]);
    assert.equal(watch.exitCode, 0, String(watch.all));
    const lines = String(watch.stdout).split('\n');
    assert.ok(
      lines.some((l) => /^slots 2\/2 busy · local · \d+% busy over the session$/.test(l)),
      String(watch.stdout),
    );
    const ids = placed().map((r) => r.id);
    for (const id of ids)
      assert.ok(
        lines.some((l) => l.startsWith(`  ${os.hostname()}`) && l.includes(`#${id} baseline`)),
        `#${id} where it runs:\n${watch.stdout}`,
      );
  } finally {
    await agent;
  }
  const ran = await agent;
  assert.equal(ran.exitCode, 0, String(ran.all));
  const report = await nightshift(['report', '--db', db, '--format', 'json']);
  const slots = JSON.parse(String(report.stdout)).slots;
  assert.equal(slots.count, 2);
  assert.deepEqual(slots.in_flight, []);
  assert.deepEqual(
    slots.places.map((p: { node: string; runs: number }) => [p.node, p.runs]),
    [[os.hostname(), 2]],
  );
  // Two runs side by side fill most of the session's slot-time (start-up and setup are the rest).
  assert.ok(slots.utilisation > 0.3 && slots.utilisation <= 1, `utilisation ${slots.utilisation}`);
});
