/**
 * The dashboard over a long session, in three parts:
 * 1. N fast experiments (default 500) whose training prints 40 step lines each, with the
 *    plain-line printer: the agent's own CPU.
 * 2. The same with the real `run` dashboard mounted on a fake 120x40 terminal: the difference in
 *    CPU is the UI's; memory is sampled as the log grows.
 * 3. A night's worth of frames (default 6000, 33 minutes at the dashboard's 3 frames a second)
 *    of one run in flight, its steps and clock advancing, over the log of part 2: memory per
 *    frame (Ink keeps every distinct text it lays out, see agent/ui/dashboard/pieces.ts) and
 *    the CPU of a frame, hence the UI's share of a core while a real 5-minute run trains.
 *
 *   node --expose-gc --import tsx bench/ui-soak.ts [N=500] [FRAMES=6000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { createPolicy } from '../agent/decide/registry.ts';
import { EventBus } from '../agent/loop/events.ts';
import { ExperimentLoop } from '../agent/loop/loop.ts';
import { sessionOptions } from '../agent/loop/options.ts';
import { openSession } from '../agent/loop/session-setup.ts';
import { Planner } from '../agent/proposers/planner.ts';
import { openLogForWriting } from '../agent/store/db.ts';
import { ExperimentStore } from '../agent/store/experiments.ts';
import { MetricsWriter } from '../agent/store/metrics.ts';
import { SessionStore } from '../agent/store/sessions.ts';
import { openLogReadOnly } from '../agent/store/db.ts';
import { experimentsWithoutDiffs } from '../agent/store/experiment-reads.ts';
import { latestSession } from '../agent/store/session-reads.ts';
import { LiveSteps } from '../agent/ui/dashboard/live-steps.ts';
import { readLogView } from '../agent/ui/dashboard/log-reader.ts';
import { loadDashboard } from '../agent/ui/dashboard/load.ts';
import { REFRESH_MS } from '../agent/ui/dashboard/run-source.ts';
import { ViewStore, type DashboardSource } from '../agent/ui/dashboard/source.ts';
import { dashboardView, type DashboardView } from '../agent/ui/dashboard/view-model.ts';
import { printHeadless } from '../agent/ui/headless.ts';

// React and Ink load after loadDashboard() has chosen React's production build, as in `run`.
const { mountRunDashboard } = await loadDashboard();
const { render } = await import('ink');
const { createElement } = await import('react');
const { App } = await import('../agent/ui/dashboard/components/App.tsx');

const n = Number(process.argv[2] ?? 500);
const frames = Number(process.argv[3] ?? 6000);
const gc = (globalThis as { gc?: () => void }).gc;
if (process.env.CI) console.log('warning: CI is set, so Ink renders no live frames; unset it for a meaningful figure');

/** A terminal that keeps nothing: counts frames and bytes, as a real TTY would receive them. */
class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly columns = 120;
  readonly rows = 40;
  writes = 0;
  bytes = 0;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.writes++;
    this.bytes += chunk.length;
    done();
  }
}

function makeSandbox(dir: string): string {
  const sandbox = path.join(dir, 'sandbox');
  fs.mkdirSync(sandbox);
  // 40 step lines (a falling loss), a pause, then the metric: seed-dependent noise around 1.
  const script = [
    'i=0; while [ $i -lt 40 ]; do echo "@ns {\\"step\\":$i,\\"train_loss\\":$((200 - i)),\\"tokens_per_s\\":51234}"; i=$((i+1)); done',
    'sleep 0.1',
    'echo "@ns {\\"final\\":true,\\"val_loss\\":1.$NIGHTSHIFT_SEED$NIGHTSHIFT_EXPERIMENT_ID}"',
  ].join('\n');
  fs.writeFileSync(path.join(sandbox, 'train.sh'), `${script}\n`);
  fs.writeFileSync(
    path.join(sandbox, 'nightshift.json'),
    JSON.stringify({ command: 'sh train.sh', metric: 'val_loss', goal: 'minimize', editable: ['config.ts'] }),
  );
  const knobs = Array.from({ length: 60 }, (_, i) => `  k${i}: 1, // @knob 1 2 3 4 5 6 7 8`).join('\n');
  fs.writeFileSync(path.join(sandbox, 'config.ts'), `export const config = {\n  on: true, // @ablate false\n  off: false, // @ablate true\n${knobs}\n};\n`);
  return sandbox;
}

interface Sample {
  experiments: number;
  rssMb: number;
  heapMb: number;
}

async function session(withUi: boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nightshift-soak-'));
  const dbPath = path.join(dir, 'soak.db');
  const db = openLogForWriting(dbPath);
  const sessions = new SessionStore(db);
  const experiments = new ExperimentStore(db);
  const options = sessionOptions(makeSandbox(dir), { budgetS: 30, maxRuns: n, isolation: 'none', controlEvery: 10 });
  const opened = await openSession(sessions, experiments, dbPath, options, 'new');
  const bus = new EventBus();
  const loop = new ExperimentLoop(opened, {
    db,
    sessions,
    experiments,
    metrics: new MetricsWriter(db),
    bus,
    proposer: new Planner({ ablationRuns: 3, interactionTop: 3 }),
    policy: createPolicy('noise-aware'),
  });
  const terminal = new FakeTerminal();
  const close = withUi
    ? mountRunDashboard(db, opened.session.id, bus, loop, {
        stdout: terminal as unknown as NodeJS.WriteStream,
        stdin: new PassThrough() as unknown as NodeJS.ReadStream,
      })
    : (bus.subscribe(printHeadless(() => {})), async () => {});

  let done = 0;
  const samples: Sample[] = [];
  const sample = () => {
    gc?.();
    const m = process.memoryUsage();
    samples.push({ experiments: done, rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 });
  };
  const marks = new Set([1, 2, 3, 4, 5].map((k) => Math.round((n * k) / 5)));
  bus.subscribe((event) => {
    if (event.type !== 'run-finished') return;
    done++;
    if (marks.has(done)) sample();
  });

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await loop.run();
  // --max-runs never starts a change it cannot finish, so the session may end a few runs short of n.
  if (!marks.has(done)) sample();
  await close();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  return { dir, dbPath, wallS, cpuS: (cpu.user + cpu.system) / 1e6, runs: done, samples, writes: terminal.writes, bytes: terminal.bytes };
}

/** A source the bench drives by hand: one view per frame. */
class Frames extends ViewStore implements DashboardSource {
  detail = () => [];
  show(view: DashboardView): void {
    this.publish(view);
  }
}

/** Part 3: `frames` refreshes of a run in flight, 333 ms of simulated time apart, a new 300 s run every 900 frames. */
async function night(dbPath: string) {
  const db = openLogReadOnly(dbPath);
  const finished = latestSession(db)!;
  const log = readLogView(db, { ...finished, status: 'running', ended_at: null, end_reason: null });
  const last = experimentsWithoutDiffs(db, finished.id).at(-1)!;
  db.close();
  const start = Date.parse(finished.ended_at!);
  const agent = { mode: 'run', paused: false, stopping: null, proposing: false } as const;
  const terminal = new FakeTerminal();
  const source = new Frames(dashboardView(log, { now: start, agent, steps: null }));
  // Unthrottled (Ink's default caps at 30 frames a second) so that every view is laid out and written.
  const instance = render(createElement(App, { source }), {
    stdout: terminal as unknown as NodeJS.WriteStream,
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    maxFps: 1000,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  let live = log;
  let steps = new LiveSteps(0);
  let step = 0;
  const samples: { frames: number; heapMb: number; rssMb: number }[] = [];
  const cpu0 = process.cpuUsage();
  for (let f = 0; f <= frames; f++) {
    const now = start + f * REFRESH_MS;
    if (f % 900 === 0) {
      const id = last.id + 1 + f / 900;
      live = {
        ...log,
        current: {
          ...last,
          id,
          kind: 'tweak',
          status: 'running',
          description: `tweak k${id % 60}: 1 -> 2`,
          started_at: new Date(now).toISOString(),
          backend: null,
        },
      };
      steps = new LiveSteps(id);
      step = 0;
    }
    for (let k = 0; k < 2; k++, step++) {
      steps.add({
        step,
        elapsed_s: step / 6,
        values: { train_loss: 3 * Math.exp(-step / 500) + 0.05 * Math.random(), tokens_per_s: 51_000 + Math.round(500 * Math.random()) },
      });
    }
    source.show(dashboardView(live, { now, agent, steps }));
    await new Promise((r) => setTimeout(r, 2));
    if (f % (frames / 4) === 0) {
      gc?.();
      const m = process.memoryUsage();
      samples.push({ frames: f, heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 });
    }
  }
  const cpu = process.cpuUsage(cpu0);
  instance.unmount();
  return { samples, msPerFrame: (cpu.user + cpu.system) / 1000 / frames, writes: terminal.writes };
}

console.log(
  `machine: ${os.cpus()[0]?.model} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}${gc ? '' : ' (run with --expose-gc for heap figures after GC)'}`,
);
const headless = await session(false);
const ui = await session(true);
const nightly = await night(ui.dbPath);
for (const r of [headless, ui]) fs.rmSync(r.dir, { recursive: true, force: true });

for (const [name, r] of [
  ['plain lines', headless],
  ['dashboard', ui],
] as const) {
  console.log(
    `\n${name}: ${r.runs} runs in ${r.wallS.toFixed(1)} s, agent CPU ${r.cpuS.toFixed(2)} s (${((r.cpuS / r.runs) * 1000).toFixed(1)} ms/run, ${((r.cpuS / r.wallS) * 100).toFixed(1)}% of a core)`,
  );
  if (name === 'dashboard') console.log(`  frames written: ${r.writes} (${(r.writes / r.wallS).toFixed(1)}/s), ${(r.bytes / 2 ** 20).toFixed(1)} MiB`);
  console.log(
    `  memory after GC:  ${r.samples.map((s) => `${s.experiments} runs: RSS ${s.rssMb.toFixed(0)} MiB heap ${s.heapMb.toFixed(1)} MiB`).join(' | ')}`,
  );
}
const uiCpuS = ui.cpuS - (headless.cpuS / headless.runs) * ui.runs;
const heap = ui.samples.map((s) => s.heapMb);
console.log(
  `\nthe dashboard's own CPU: ${uiCpuS.toFixed(2)} s over ${ui.wallS.toFixed(1)} s = ${((uiCpuS / ui.wallS) * 100).toFixed(1)}% of one core (${((uiCpuS / ui.runs) * 1000).toFixed(1)} ms per run)`,
);
console.log(
  `heap growth with the dashboard from ${ui.samples[0]?.experiments} to ${ui.samples.at(-1)?.experiments} runs: ${(heap.at(-1)! - heap[0]!).toFixed(1)} MiB`,
);

const first = nightly.samples[1] ?? nightly.samples[0]!;
const lastSample = nightly.samples.at(-1)!;
const perThousand = ((lastSample.heapMb - first.heapMb) / (lastSample.frames - first.frames)) * 1000;
console.log(`\na night of frames: ${frames} refreshes of a run in flight over the ${ui.runs}-run log, ${nightly.writes} writes to the terminal`);
console.log(
  `  memory after GC:  ${nightly.samples.map((s) => `${s.frames} frames: RSS ${s.rssMb.toFixed(0)} MiB heap ${s.heapMb.toFixed(1)} MiB`).join(' | ')}`,
);
console.log(
  `  heap growth after warm-up: ${perThousand.toFixed(3)} MiB per 1000 frames (${((perThousand * 3 * 3600) / 1000).toFixed(1)} MiB per hour at 3 frames/s)`,
);
console.log(
  `  CPU per frame: ${nightly.msPerFrame.toFixed(1)} ms; at 3 frames/s the UI takes ${((nightly.msPerFrame * 3) / 10).toFixed(1)}% of one core while a run trains`,
);
