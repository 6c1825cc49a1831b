/**
 * Soak: N experiments of a fast script in one session, with random crashes and hangs mixed in.
 * Prints the agent's memory and open file descriptors over the session (they should be flat),
 * the log's size per experiment, and checks every experiment is accounted for.
 *
 *   npx tsx bench/soak.ts [N=1000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sessionOptions } from '../agent/loop/options.ts';
import { saltProposer } from './lib/salt-proposer.ts';
import { benchSession } from './lib/session.ts';

const n = Number(process.argv[2] ?? 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-soak-'));
const sandbox = path.join(dir, 'sandbox');
fs.mkdirSync(sandbox);
fs.writeFileSync(
  path.join(sandbox, 'nightshift.json'),
  JSON.stringify({ command: 'node train.mjs', metric: 'loss', goal: 'minimize', editable: ['train.mjs'] }),
);
// 4% of runs crash, 2% hang until killed, the rest report after a few step lines.
fs.writeFileSync(
  path.join(sandbox, 'train.mjs'),
  `export const config = {
  salt: 0, // @knob 0..100000000 int
};
const id = Number(process.env.NIGHTSHIFT_EXPERIMENT_ID);
const u = ((id * 2654435761) >>> 0) / 2 ** 32;
if (u < 0.04) throw new Error('simulated crash');
if (u < 0.06) setInterval(() => {}, 1000);
else {
  for (let step = 1; step <= 20; step++) console.log('@ns ' + JSON.stringify({ step, elapsed_s: step / 100, train_loss: 3 / step }));
  console.log('@ns ' + JSON.stringify({ final: true, loss: 1 + ((id * 7919) % 100) / 1000 }));
}
`,
);

const dbPath = path.join(dir, 'soak.db');
const options = sessionOptions(sandbox, { budgetS: 1, graceS: 1, maxRuns: n });
const { db, experiments, opened, bus, loop } = await benchSession(dbPath, options, () => saltProposer({ stepBy: 0 }));

const fds = () => fs.readdirSync('/proc/self/fd').length;
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const samples: string[] = [];
let finished = 0;
const started = performance.now();
bus.subscribe((e) => {
  if (e.type !== 'run-finished') return;
  finished++;
  if (finished % Math.max(1, Math.floor(n / 10)) === 0) {
    const m = process.memoryUsage();
    samples.push(
      `${String(finished).padStart(5)}  rss ${mb(m.rss).padStart(6)} MB  heap ${mb(m.heapUsed).padStart(5)} MB  fds ${fds()}  ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  }
});
await loop.run();
const rows = experiments.forSession(opened.session.id);
db.close();

const byStatus = new Map<string, number>();
for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
const accounted = rows.every((r) => ['done', 'crashed', 'timeout', 'diverged', 'rejected'].includes(r.status));
const size = fs.statSync(dbPath).size + (fs.existsSync(`${dbPath}-wal`) ? fs.statSync(`${dbPath}-wal`).size : 0);
console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}, isolation ${opened.isolation.bwrap ? 'bwrap' : 'none'}`);
console.log(samples.join('\n'));
console.log(`experiments: ${rows.length} rows; ${[...byStatus].map(([s, count]) => `${s} ${count}`).join(', ')}; all accounted for: ${accounted}`);
console.log(`log: ${mb(size)} MB, ${(size / rows.length / 1024).toFixed(1)} KB per experiment (with 20 step lines each)`);
console.log(`wall: ${((performance.now() - started) / 1000).toFixed(0)} s`);
fs.rmSync(dir, { recursive: true, force: true });
