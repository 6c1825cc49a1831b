/**
 * Decisions per hour against the number of slots: the real loop on the simulated sandbox
 * (bench/lib/sim.ts), each run sleeping `--run-ms` so a run takes a few seconds as a short real
 * one would, a quarter of the proposals a real 2-SD gain and the rest no-ops (salt-proposer.ts).
 * For each slot count the session runs for `--seconds` of wall time, then is stopped; reported:
 * decisions recorded by then per hour, false keeps (no-ops kept) and power (gains kept).
 *
 *   npx tsx bench/parallel-slots.ts [--slots 1,2,4] [--seconds 90] [--run-ms 2000] [--executors sequential,local,slurm]
 *
 * "sequential" is today's loop (one run at a time in the workspace); "local ×N" the parallel loop
 * with N local slots; "slurm ×N" with slurm in --executors, on the cluster SLURM_CONF names or, without
 * one, on the two-node test cluster on localhost (test/executors/slurm-cluster.ts; needs root).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPolicy } from '../agent/decide/registry.ts';
import { EventBus } from '../agent/loop/events.ts';
import type { ExecutorSettings } from '../agent/executors/settings.ts';
import { buildExecutor } from '../agent/loop/executor-settings.ts';
import { ExperimentLoop } from '../agent/loop/loop.ts';
import { sessionOptions } from '../agent/loop/options.ts';
import { ParallelLoop } from '../agent/loop/parallel-loop.ts';
import { openSession } from '../agent/loop/session-setup.ts';
import { isCandidate } from '../agent/session/kinds.ts';
import { openLogForWriting } from '../agent/store/db.ts';
import { ExperimentStore } from '../agent/store/experiments.ts';
import { MetricsWriter } from '../agent/store/metrics.ts';
import { SessionStore } from '../agent/store/sessions.ts';
import type { ExperimentRow } from '../agent/store/types.ts';
import { saltProposer } from './lib/salt-proposer.ts';
import { simSandbox } from './lib/sim.ts';

const { values: flags } = parseArgs({
  options: {
    slots: { type: 'string', default: '1,2,4' },
    seconds: { type: 'string', default: '90' },
    'run-ms': { type: 'string', default: '2000' },
    executors: { type: 'string', default: 'sequential,local' },
  },
});
const NOISE = 0.01;
const seconds = Number(flags.seconds);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-bench-slots-'));

function sandbox(name: string): string {
  const gains = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [String(i), -2 * NOISE * i]));
  const dir = simSandbox(work, name, { base: 1.9, noiseSd: NOISE, knobs: { step: { values: gains } } });
  const train = path.join(dir, 'train.mjs');
  fs.appendFileSync(train, `\nawait new Promise((r) => setTimeout(r, ${Number(flags['run-ms'])}));\n`);
  return dir;
}

async function session(label: string, executor: ExecutorSettings | undefined): Promise<ExperimentRow[]> {
  const dir = sandbox(label);
  const dbPath = `${dir}.db`;
  const options = sessionOptions(dir, { budgetS: 30, graceS: 10, baselineRuns: 5, isolation: 'none', controlEvery: 10, ...(executor ? { executor } : {}) });
  const db = openLogForWriting(dbPath);
  const sessions = new SessionStore(db);
  const experiments = new ExperimentStore(db);
  const opened = await openSession(sessions, experiments, dbPath, options, 'new');
  const deps = {
    db,
    sessions,
    experiments,
    metrics: new MetricsWriter(db),
    bus: new EventBus(),
    proposer: saltProposer({ stepBy: 1, realShare: 0.25 }),
    policy: createPolicy(options.decision, options),
  };
  const loop = executor
    ? new ParallelLoop(opened, deps, await buildExecutor(executor, path.join(path.dirname(opened.workspace.dir), 'runs')), { pollMs: 100 })
    : new ExperimentLoop(opened, deps);
  let atStop: ExperimentRow[] = [];
  const timer = setTimeout(() => {
    atStop = experiments.forSession(opened.session.id);
    loop.requestStop();
  }, seconds * 1000);
  await loop.run();
  clearTimeout(timer);
  db.close();
  return atStop;
}

// Measured verdicts only: not a superseded change (its re-test is the verdict), nor a re-test rejected unrun (its diff no longer applies after a keep).
const decided = (rows: ExperimentRow[]) =>
  rows.filter((e) => isCandidate(e) && e.status !== 'rejected' && (e.decision === 'keep' || e.decision === 'revert') && !e.reason?.startsWith('superseded:'));
const real = (rows: ExperimentRow[]) => rows.filter((e) => e.description.startsWith('step '));
const share = (rows: ExperimentRow[]) => (rows.length === 0 ? 'n/a' : `${rows.filter((e) => e.decision === 'keep').length}/${rows.length}`);

console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; runs of ~${Number(flags['run-ms']) / 1000} s; ${seconds} s per configuration`,
);
console.log('configuration      runs  decisions  decisions/h  false keeps  power (2-SD gains kept)');
// The test cluster's tools read SLURM_CONF from the agent's environment, as a real cluster's would.
const kinds = new Set(flags.executors.split(','));
const cluster = kinds.has('slurm') && !process.env.SLURM_CONF ? await (await import('../test/executors/slurm-cluster.ts')).startCluster() : null;
if (cluster) process.env.SLURM_CONF = cluster.env.SLURM_CONF;
const configs: [string, ExecutorSettings | undefined][] = kinds.has('sequential') ? [['sequential', undefined]] : [];
for (const n of flags.slots.split(',').map(Number)) {
  const local = { kind: 'local', parallel: n, gpus: null, gpusPerRun: null, allowMixedGpus: false, slurmArgs: null } as const;
  if (kinds.has('local')) configs.push([`local ×${n}`, local]);
  if (kinds.has('slurm')) configs.push([`slurm ×${n}`, { ...local, kind: 'slurm' }]);
}
for (const [label, executor] of configs) {
  const rows = await session(label.replace(/\W+/g, '-'), executor);
  const done = decided(rows);
  const runs = rows.filter((e) => e.status === 'done').length;
  const perHour = (done.length / seconds) * 3600;
  const noOps = done.filter((e) => !e.description.startsWith('step '));
  console.log(
    `${label.padEnd(18)} ${String(runs).padStart(4)}  ${String(done.length).padStart(9)}  ${perHour.toFixed(0).padStart(11)}  ${share(noOps).padStart(11)}  ${share(real(done)).padStart(8)}`,
  );
}
await cluster?.stop();
if (process.env.KEEP_BENCH) console.log(`kept ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
