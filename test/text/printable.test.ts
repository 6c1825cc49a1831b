import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tailLines } from '../../agent/query/tail.ts';
import { printable } from '../../agent/text/printable.ts';
import { headlessLine } from '../../agent/ui/headless.ts';
import { nightshift } from '../cli/cli.ts';
import { fastSandbox, tempDir } from '../helpers.ts';
import { row } from '../ui/rows.ts';

/** What a hostile script might print: colours, a cleared screen, a window title, a hyperlink, a carriage return, a bell, a C1 CSI. */
const HOSTILE =
  'a\u001b[31mred\u001b[0m\u001b[2J\u001b[H b\u001b]0;title\u0007 c\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\ d\r e\u0007 f\tg\nh\u009b2J i\u001bc j\u001b(B k\u0000 l\u007f';

// Nothing that starts an escape sequence or moves the cursor is left.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test('printable removes escape sequences and shows other controls as U+FFFD, keeping tab and newline', () => {
  const out = printable(HOSTILE);
  assert.doesNotMatch(out, CONTROLS);
  assert.equal(out, 'ared b clink d\ufffd e\ufffd f\tg\nh i j k\ufffd l\ufffd');
  assert.equal(printable('plain text, "quoted" · ünïcode ✓'), 'plain text, "quoted" · ünïcode ✓');
  assert.equal(printable('a\u001b]0;never terminated\nthe next line'), 'a\nthe next line', 'an open OSC does not swallow the rest');
  assert.equal(printable('windows line\r\nnext\r'), 'windows line\nnext\ufffd', 'a CRLF ending is a newline; a lone CR is shown');
});

test("headless lines and log tails never carry a run's escape sequences", () => {
  const line = headlessLine({ type: 'run-finished', experiment: row({ id: 2, status: 'crashed', reason: `exit 1: ${HOSTILE}` }) });
  assert.doesNotMatch(line!, CONTROLS);
  assert.match(line!, /^#2 baseline crashed in .* \(exit 1: ared b clink/);
  const log = path.join(tempDir(), 'run.log');
  fs.writeFileSync(log, `${HOSTILE}\n`);
  for (const l of tailLines(log, 10)) assert.doesNotMatch(l, CONTROLS);
});

test('a script printing escape sequences: headless output, show and show --log are printable', async () => {
  const train = fs.readFileSync(path.join(fastSandbox(), 'train.mjs'), 'utf8');
  const sandbox = fastSandbox({ 'train.mjs': `console.log(${JSON.stringify(HOSTILE)});\nprocess.stderr.write(${JSON.stringify(HOSTILE)});\n${train}` });
  const db = path.join(tempDir(), 'log.db');
  const run = await nightshift(['run', '--sandbox', sandbox, '--db', db, '--budget', '5', '--baseline-runs', '1', '--max-runs', '1', '--isolation', 'none']);
  assert.equal(run.exitCode, 0, String(run.all));
  assert.doesNotMatch(String(run.all), CONTROLS);
  const sql = await nightshift(['sql', "SELECT char(27) || '[2J' || char(27) || ']0;title' || char(7) || 'text' AS t", '--db', db]);
  assert.equal(sql.exitCode, 0, String(sql.all));
  assert.equal(String(sql.stdout).trim().split('\n').at(-1), 'text');
  const logged = await nightshift(['log', '--db', db]);
  assert.doesNotMatch(String(logged.stdout), CONTROLS);
  for (const args of [
    ['show', '1', '--db', db],
    ['show', '1', '--log', '--db', db, '--tail', '50'],
  ]) {
    const shown = await nightshift(args);
    assert.equal(shown.exitCode, 0, String(shown.all));
    assert.match(String(shown.stdout), /ared b clink/, `${args.join(' ')} shows the line`);
    assert.doesNotMatch(String(shown.stdout), CONTROLS, args.join(' '));
  }
});
