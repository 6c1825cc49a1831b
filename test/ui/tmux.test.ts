/**
 * The dashboard in a real terminal: `nightshift run` under tmux with the fast sandbox, and
 * `nightshift watch` in a second window. The panes are captured as text and their figures
 * checked against the log.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { execaSync } from 'execa';
import type { ExperimentRow, SessionRow } from '../../agent/store/types.ts';
import { num, signed } from '../../agent/format/numbers.ts';
import { readLog, REPO, slowSandbox, tempDir, waitFor } from '../helpers.ts';

const MAIN = path.join(REPO, 'agent', 'cli', 'main.ts');
const SOCKET = `nightshift-test-${process.pid}`;
const tmuxMissing = (() => {
  try {
    execaSync('tmux', ['-V']);
    return false;
  } catch {
    return true;
  }
})();
const skip = tmuxMissing ? 'tmux is not installed (apt-get install tmux): no real terminal to test in' : false;

const tmux = (...args: string[]) => execaSync('tmux', ['-L', SOCKET, ...args]).stdout;
const capture = (target: string) => tmux('capture-pane', '-p', '-t', target);
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** A shell command for a pane: Ink draws nothing live where CI is set, and the pane outlives the command so its last frame can be read. */
const pane = (args: string[]) =>
  `cd ${quote(REPO)} && env -u CI ${quote(process.execPath)} --import tsx ${quote(MAIN)} ${args.map(quote).join(' ')}; echo "exited $?"; sleep 600`;
after(() => {
  if (!tmuxMissing) execaSync('tmux', ['-L', SOCKET, 'kill-server'], { reject: false });
});

async function paneShows(target: string, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<string> {
  let text = '';
  await waitFor(() => pattern.test((text = capture(target))), timeoutMs, `${what}; the pane shows:\n${text}`).catch((error: Error) => {
    throw new Error(`${error.message}\n${text}`);
  });
  return text;
}

function lastSession(db: string): { session: SessionRow; rows: ExperimentRow[] } {
  const { sessions, rows } = readLog(db);
  return { session: sessions.at(-1)!, rows };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

/** The lines from the counts line to the end of the recent table: what both screens must agree on. */
const figures = (text: string) => {
  const lines = text.split('\n');
  const from = lines.findIndex((l) => l.startsWith('runs '));
  const to = lines.findLastIndex((l) => /^[ ›] #\d+ /.test(l));
  // Warnings (no bubblewrap, a self-reported metric) and the plan are said by the running agent, not read from the log.
  return lines.slice(from, to + 1).filter((l) => !l.startsWith('⚠') && !l.startsWith('plan: '));
};

test('run under tmux shows the dashboard whose figures match the log; watch in a second window shows the same', { skip }, async () => {
  const db = path.join(tempDir(), 'log.db');
  tmux(
    'new-session',
    '-d',
    '-s',
    'ns',
    '-x',
    '100',
    '-y',
    '30',
    pane(['run', '--sandbox', slowSandbox(400), '--db', db, '--budget', '10', '--max-experiments', '3', '--baseline-runs', '2', '--ablation-runs', '2']),
  );
  // A whole frame, keys line included: a capture can catch a frame half drawn on a busy machine.
  await paneShows('ns:0', /● session 1 running[\s\S]*▶ #\d+[\s\S]*q quit after this run · Q stop now · p pause/, 'the live dashboard with a run in flight');

  tmux('new-window', '-t', 'ns', '-n', 'watch', pane(['watch', '--db', db]));
  await paneShows('ns:watch', /watching session 1 \(agent pid \d+\)[\s\S]*q quit the viewer/, 'watch attached to the running session');

  const final = await paneShows('ns:0', /exited \d+/, 'the run to end', 120_000);
  assert.match(final, /exited 0/);
  assert.match(final, /■ session 1, finished: reached --max-experiments 3/);

  const { rows, session } = lastSession(db);
  const finished = rows.filter((e) => ['done', 'crashed', 'timeout', 'diverged'].includes(e.status));
  const kept = rows.filter((e) => e.decision === 'keep').length;
  const reverted = rows.filter((e) => ['ablation', 'interaction', 'tweak', 'llm'].includes(e.kind) && e.decision === 'revert').length;
  const crashed = rows.filter((e) => ['crashed', 'timeout', 'diverged'].includes(e.status)).length;
  assert.match(final, new RegExp(`runs ${finished.length} · decided ${kept + reverted}/3 · kept ${kept} · reverted ${reverted} · crashed ${crashed}`));
  // The baseline shown is the last kept state's runs: the baseline, or controls after a keep, plus top-ups.
  const base = rows
    .filter((e) => ['baseline', 'control'].includes(e.kind) && e.base_commit === session.head_commit && e.status === 'done')
    .map((e) => e.metric!);
  assert.ok(final.includes(`val_loss baseline ${num(mean(base))} ± ${num(sd(base), 2)} (n=${base.length})`), final);

  // Every row of the recent table is the log's: id, kind, metric and delta as the log has them.
  const tableRows = figures(final).filter((l) => /^[ ›] #\d+ /.test(l));
  assert.ok(tableRows.length >= 5, final);
  for (const line of tableRows) {
    const id = Number(/#(\d+)/.exec(line)![1]);
    const e = rows.find((r) => r.id === id)!;
    assert.match(line, new RegExp(`#${id} +${e.kind} .* ${num(e.metric).replace(/[.+]/g, '\\$&')} +${signed(e.delta).replace(/[.+]/g, '\\$&')} `), line);
  }

  // The watcher now shows the finished session, says so, and agrees with the run's last frame.
  const watched = await paneShows(
    'ns:watch',
    /no running session — showing the last state of session 1, finished[\s\S]*q quit the viewer/,
    'watch to see the end',
  );
  // The run's frame has a line for its plan, so its table may show fewer rows: those it shows, watch shows alike.
  const shown = figures(final);
  assert.deepEqual(figures(watched).slice(0, shown.length), shown);

  tmux('send-keys', '-t', 'ns:watch', 'q');
  await paneShows('ns:watch', /exited 0/, 'q to quit the viewer');
  assert.equal(lastSession(db).session.status, 'finished', 'quitting the viewer touched nothing');
});

test('keys under tmux: p pauses after the run in flight, p again resumes, q stops cleanly after the current run', { skip }, async () => {
  const db = path.join(tempDir(), 'log.db');
  tmux(
    'new-session',
    '-d',
    '-s',
    'keys',
    '-x',
    '80',
    '-y',
    '24',
    pane(['run', '--sandbox', slowSandbox(600), '--db', db, '--budget', '10', '--baseline-runs', '2']),
  );
  await paneShows('keys:0', /▶ #2 baseline/, 'the second run in flight');

  tmux('send-keys', '-t', 'keys:0', 'p');
  await paneShows('keys:0', /paused: nothing new starts \(p: resume\)/, 'the pause to take hold once the run in flight ends');
  const held = lastSession(db).rows.length;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(lastSession(db).rows.length, held, 'nothing new started while paused');
  assert.ok(lastSession(db).rows.every((e) => e.status !== 'running'));

  // A resize re-lays the dashboard out to the new size, wider and then narrower, with no stale lines.
  for (const [x, y] of [
    [110, 34],
    [70, 20],
  ] as const) {
    tmux('resize-window', '-t', 'keys', '-x', String(x), '-y', String(y));
    const resized = await paneShows('keys:0', /^nightshift · session 1[\s\S]*^paused — p resume/m, `the dashboard, paused, at ${x}x${y}`);
    const lines = resized.split('\n');
    assert.ok(
      lines.every((l) => [...l].length <= x),
      resized,
    );
    assert.equal(lines.filter((l) => l.startsWith('nightshift · ')).length, 1, resized);
  }

  tmux('send-keys', '-t', 'keys:0', 'p');
  await waitFor(() => lastSession(db).rows.length > held, 30_000, 'a new run after resuming');

  tmux('send-keys', '-t', 'keys:0', 'q');
  const final = await paneShows('keys:0', /exited \d+/, 'q to stop the session');
  assert.match(final, /exited 0/);
  const { session, rows } = lastSession(db);
  assert.equal(session.status, 'stopped');
  assert.equal(session.end_reason, 'stopped by the user');
  assert.ok(
    rows.every((e) => e.status !== 'interrupted'),
    'q let the run in flight finish',
  );
  assert.match(final, /■ session 1, stopped: stopped by the user/);
});

test('under tmux: the phase line and its estimate, the pause in the footer of run and in watch, a long reason folded in the detail view and its learning curves at its end', {
  skip,
}, async () => {
  const db = path.join(tempDir(), 'log.db');
  tmux(
    'new-session',
    '-d',
    '-s',
    'phase',
    '-x',
    '80',
    '-y',
    '40',
    pane(['run', '--sandbox', slowSandbox(6000), '--db', db, '--budget', '10', '--baseline-runs', '2', '--ablation-runs', '2', '--max-experiments', '1']),
  );
  await paneShows('phase:0', /^now: baseline \(1 of \d+\) [01]\/2 runs · candidates start in about \d+ (s|min)$/m, 'the phase line with its estimate');
  tmux('new-window', '-t', 'phase', '-n', 'watch', pane(['watch', '--db', db]));
  await paneShows('phase:watch', /^now: baseline \(1 of \d+\) [01]\/2 runs · candidates start in about/m, 'watch to show the phase line too');

  tmux('send-keys', '-t', 'phase:0', 'p');
  await paneShows('phase:0', /^paused — p resume · q quit after this run/m, 'the footer to say paused and how to resume');
  await paneShows(
    'phase:watch',
    /● watching session 1 \(agent pid \d+\): (pausing after the run in flight|paused, nothing new starts) · /,
    'watch to show the pause',
  );
  tmux('send-keys', '-t', 'phase:0', 'p');
  await paneShows('phase:watch', /● watching session 1 \(agent pid \d+\) · /, 'watch to show the pause lifted');
  assert.doesNotMatch(await paneShows('phase:0', /q quit after this run/, 'the footer'), /paused — p resume/);

  const final = await paneShows('phase:0', /exited \d+/, 'the run to end', 120_000);
  assert.match(final, /exited 0/);
  await paneShows('phase:watch', /no running session — showing the last state of session 1/, 'watch to see the end');
  assert.doesNotMatch(capture('phase:watch'), /^now: /m, 'no phase once the session ended');

  // The decided change's reason is longer than the detail view's 80 columns leave it: it is folded, not cut.
  const { rows } = lastSession(db);
  const candidate = rows.find((e) => e.decision === 'keep' || e.decision === 'revert')!;
  assert.ok(candidate.reason!.length > 80 - 12, candidate.reason!);
  const newer = rows.filter((e) => e.id > candidate.id).length;
  for (let i = 0; i <= newer; i++) tmux('send-keys', '-t', 'phase:watch', 'Down');
  await paneShows('phase:watch', new RegExp(`^› #${candidate.id} `, 'm'), 'the decided change selected');
  tmux('send-keys', '-t', 'phase:watch', 'Enter');
  const detail = (await paneShows('phase:watch', /^decision {4}/m, 'the detail view')).split('\n');
  const at = detail.findIndex((l) => l.startsWith('decision    '));
  const folded = [detail[at]!.slice(12)];
  for (const line of detail.slice(at + 1)) {
    if (!/^ {12}\S/.test(line)) break;
    folded.push(line.slice(12));
  }
  assert.ok(folded.length > 1, detail.join('\n'));
  assert.ok(detail.every((l) => [...l].length <= 80));
  assert.equal(folded.join(' ').replace(/\s+/g, ' '), candidate.reason!.replace(/\s+/g, ' '));

  // The detail view ends with the change's learning curves in text, over the baseline's mean and band.
  for (let i = 0; i < 12; i++) tmux('send-keys', '-t', 'phase:watch', 'PgDn');
  const curves = (await paneShows('phase:watch', /^train_loss by time: /m, 'the learning curves at the end of the detail view')).split('\n');
  const byStep = curves.findIndex((l) => l.startsWith('train_loss by step: '));
  assert.ok(byStep >= 0, curves.join('\n'));
  // The legend follows the title, folded onto indented lines where it is longer than the width.
  const legend = [curves[byStep]!];
  for (const line of curves.slice(byStep + 1)) {
    if (!/^ {2}\S/.test(line) || line.includes('│')) break;
    legend.push(line);
  }
  const legendText = legend.join(' ');
  assert.ok(legendText.includes(`#${candidate.id} seed ${candidate.seed}`) && legendText.includes('─ baseline mean, ░ ± SD (2 runs)'), legendText);
  assert.ok(
    curves.some((l) => /^ +\d+ +step +\d+$/.test(l)),
    'the step axis is labelled',
  );
  assert.ok(curves.every((l) => [...l].length <= 80));
});
