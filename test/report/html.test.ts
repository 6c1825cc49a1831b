import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { reportCommand } from '../../agent/cli/commands/report.ts';
import { num } from '../../agent/format/numbers.ts';
import type { Stdout } from '../../agent/query/output.ts';
import type { ChartData } from '../../agent/report/chart-data.ts';
import { decimateChart } from '../../agent/report/html-chart.ts';
import { MAX_ROWS } from '../../agent/report/html-parts.ts';
import { buildSyntheticLog } from '../../bench/synthetic-log.ts';
import { tempDir } from '../helpers.ts';
import { buildQueryLog } from '../query/fixture.ts';
import { decodePng, nonWhite } from './png-pixels.ts';

// Session 1 of the query fixture (the real loop): ablations, an interaction, controls, a crash and a keep.
const dir = tempDir('nightshift-html-');
const HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> & "quoted" \u001b[31mred';
let db = '';
let page = '';
let kept: { id: number; description: string }[] = [];
before(async () => {
  db = await buildQueryLog(dir);
  // A proposer's description and a run's reason are text, whatever they hold.
  const sqlite = new Database(db);
  sqlite.prepare("UPDATE experiments SET description = ? WHERE session_id = 1 AND decision = 'keep'").run(HOSTILE);
  sqlite.prepare("UPDATE experiments SET reason = ? WHERE session_id = 1 AND status = 'crashed'").run('</td></tr></table><h1>forged</h1>');
  kept = sqlite.prepare("SELECT id, description FROM experiments WHERE session_id = 1 AND decision = 'keep' ORDER BY id").all() as typeof kept;
  sqlite.close();
  await report(['--session', '1', '--out', path.join(dir, 'report.html')]);
  page = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
});

const report = (args: string[]) => reportOn(db, args);

async function reportOn(log: string, args: string[]): Promise<string> {
  let text = '';
  const stdout = { write: (s: string) => ((text += s), true), isTTY: false, columns: 0, on: () => stdout } as unknown as Stdout;
  assert.equal(await reportCommand([...args, '--db', log], stdout), 0);
  return text;
}

test('the page is self-contained: no script, no external reference, a policy that forbids fetching, charts inline', () => {
  assert.match(page, /^<!DOCTYPE html>/);
  assert.match(page, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  // Tags only: the escaped text of a description may well read `src=`.
  const tags = page.match(/<[a-zA-Z][^>]*>/g)!;
  assert.deepEqual(
    tags.filter((t) => /^<(script|link|img|iframe|object|embed|image|use|foreignObject)\b|\s(src|href|xlink:href|on\w+)=/i.test(t)),
    [],
  );
  assert.doesNotMatch(page, /@import|url\(/i);
  // The only URL is SVG's namespace name, which nothing fetches.
  assert.deepEqual([...new Set(page.match(/https?:\/\/[^"'\s<>]+/g))], ['http://www.w3.org/2000/svg']);
  assert.match(page, /<section id="progress"><h2>Progress<\/h2><figure><svg /);
  // What was learned opens the page, as it opens the Markdown report.
  const order = ['learned', 'summary', 'progress', 'kept'].map((id) => page.indexOf(`<section id="${id}">`));
  assert.ok(
    order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)),
    String(order),
  );
});

test('every text from the log is escaped: a description with markup and a reason closing the table stay text', () => {
  assert.ok(!page.includes('<h1>forged</h1>'));
  assert.ok(page.includes('&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;forged&lt;/h1&gt;'));
  assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quoted&quot; red'));
  assert.ok(!page.includes('\u001b'), 'terminal escapes are removed, as on a terminal');
  assert.equal(page.match(/<h1>/g)?.length, 1);
});

test('--format html from an .html --out, and html to stdout', async () => {
  const text = await report(['--session', '1', '--format', 'html']);
  assert.equal(text, page);
});

test('the progress chart is decimated past its budget: each stretch keeps its best and worst run', () => {
  const points = Array.from({ length: 100_000 }, (_, i) => ({ x: i + 1, y: i === 5_000 ? -50 : Math.sin(i), role: 'tried' as const, tip: `#${i + 1}` }));
  const data = {
    title: '',
    subtitle: '',
    labels: [],
    points,
    failed: Array.from({ length: 9_000 }, (_, i) => i * 11),
    xMin: 1,
    xMax: 100_000,
  } as unknown as ChartData;
  const { data: small, shown, total } = decimateChart(data);
  assert.equal(total, 109_000);
  assert.ok(small.points.length <= 2400 && small.failed.length <= 1200, `${small.points.length} points, ${small.failed.length} failed marks`);
  assert.equal(shown, small.points.length + small.failed.length);
  assert.ok(
    small.points.some((p) => p.y === -50),
    'the outlier stays',
  );
  assert.deepEqual(
    small.points.map((p) => p.x),
    [...small.points.map((p) => p.x)].sort((a, b) => a - b),
  );
});

test('a big session gives a bounded page: the latest changes listed and the chart decimated, each cut said', async () => {
  const big = path.join(dir, 'big.db');
  buildSyntheticLog(big, { sessions: [6_000], stepsPerRun: 2 });
  const text = await reportOn(big, ['--format', 'html']);
  const sqlite = new Database(big, { readonly: true });
  const changes = (sqlite.prepare("SELECT count(*) AS n FROM experiments WHERE kind IN ('ablation', 'interaction', 'tweak', 'llm')").get() as { n: number }).n;
  sqlite.close();
  assert.ok(changes > MAX_ROWS);
  assert.equal(text.match(/<tr data-decision=/g)?.length, MAX_ROWS);
  assert.ok(text.includes(`The latest ${MAX_ROWS} of ${changes} changes`));
  const [, drawn, total] = text.match(/(\d+) of (\d+) runs drawn/)!.map(Number);
  assert.equal(total, 6_000);
  assert.ok(drawn! < 6_000);
  assert.ok(text.length < 1_500_000, `${text.length} bytes`);
});

const chromium = ['chromium', 'chromium-browser'].map((name) => whichSync(name)).find((p) => p !== null) ?? null;
const skip = chromium === null ? 'Chromium is not installed (apt-get install chromium; .ci/run does)' : false;

async function headless(args: string[]): Promise<string> {
  // Root needs --no-sandbox; a profile of its own keeps parallel tests apart.
  const profile = fs.mkdtempSync(path.join(dir, 'profile-'));
  const result = await execa(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--hide-scrollbars', ...args], {
    timeout: 60_000,
  });
  return result.stdout;
}

test('in headless Chromium the page renders (a screenshot far from blank) and its text agrees with the log', { skip }, async () => {
  const file = path.join(dir, 'report.html');
  const png = path.join(dir, 'report.png');
  await headless(['--window-size=1280,2400', `--screenshot=${png}`, `file://${file}`]);
  const image = decodePng(fs.readFileSync(png));
  assert.equal(image.width, 1280);
  const inked = nonWhite(image) / (image.width * image.height);
  assert.ok(inked > 0.05, `${(inked * 100).toFixed(1)}% of the screenshot is not white`);

  const dom = await headless(['--dump-dom', `file://${file}`]);
  const sqlite = new Database(db, { readonly: true });
  const count = (where: string) => (sqlite.prepare(`SELECT count(*) AS n FROM experiments WHERE session_id = 1 AND ${where}`).get() as { n: number }).n;
  const counts = JSON.parse(decodeEntities(dom.match(/data-counts="([^"]+)"/)![1]!));
  assert.deepEqual(counts, {
    total: count('1'),
    changes: count("kind IN ('ablation', 'interaction', 'tweak', 'llm') AND retry_of IS NULL"),
    kept: count("decision = 'keep'"),
    reverted: count("kind IN ('ablation', 'interaction', 'tweak', 'llm') AND decision = 'revert'"),
    failed: count("status IN ('crashed', 'timeout', 'diverged', 'invalid')"),
  });
  const runsLine = decodeEntities(dom.match(/<tr data-field="runs"><td>runs<\/td><td>([^<]+)<\/td>/)![1]!);
  assert.match(
    runsLine,
    new RegExp(`^${counts.total} total · ${counts.changes} changes tried · ${counts.kept} kept · ${counts.reverted} reverted · ${counts.failed} failed`),
  );

  // The kept changes: the rows of the table are the log's keeps, each with its (escaped) description as text.
  const keptRows = [...dom.matchAll(/<tr data-kept="(\d+)"><td>\d+<\/td><td>([^<]*)<\/td>/g)].map((m) => ({
    id: Number(m[1]),
    description: decodeEntities(m[2]!),
  }));
  assert.deepEqual(
    keptRows,
    kept.map((k) => ({ id: k.id, description: k.description.replace('\u001b[31m', '') })),
  );
  // Each kept change's learning curves, drawn inline under the table.
  assert.deepEqual(
    [...dom.matchAll(/<figure data-curves="(\d+)"><svg /g)].map((m) => Number(m[1])),
    kept.map((k) => k.id),
  );
  // The best mean: the mean of the best kept commit's fresh runs, as the log has them.
  const best = Number(decodeEntities(dom.match(/data-best="([^"]+)"/)![1]!));
  const commit = (
    sqlite.prepare("SELECT commit_sha FROM experiments WHERE session_id = 1 AND decision = 'keep' ORDER BY id DESC").get() as { commit_sha: string }
  ).commit_sha;
  const measuredIds = (
    sqlite.prepare("SELECT id FROM experiments WHERE session_id = 1 AND status = 'done' AND metric IS NOT NULL").all() as { id: number }[]
  ).map((r) => r.id);
  const fresh = sqlite.prepare("SELECT metric FROM experiments WHERE base_commit = ? AND kind IN ('baseline', 'control') AND status = 'done'").all(commit) as {
    metric: number;
  }[];
  sqlite.close();
  assert.ok(Math.abs(best - fresh.reduce((s, r) => s + r.metric, 0) / fresh.length) < 1e-12);
  assert.match(dom, new RegExp(`<tr data-field="best"><td>best</td><td>${num(best).replace('.', '\\.')} \\(#${kept.at(-1)!.id},`));
  // The chart drew a mark for every run with a metric (no decimation at this size), its tip naming the run.
  for (const id of measuredIds) assert.ok(dom.includes(`<title>#${id} `), `run #${id} is on the chart`);
  assert.ok(!dom.includes('<h1>forged</h1>'));
});

function whichSync(name: string): string | null {
  for (const dirName of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dirName, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

const decodeEntities = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|#39|nbsp);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'", nbsp: '\u00a0' })[e]!);
