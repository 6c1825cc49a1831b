/**
 * The check runs of `nightshift adopt`: the project measured as a session would measure it (the
 * same workspace copy, runner, isolation, evaluation and rules, measure-run.ts), at a short
 * budget, once per seed, in a scratch log of its own. The project's folder is only read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultGrace, sessionOptions } from '../loop/options.ts';
import { openSession } from '../loop/session-setup.ts';
import { measureRun } from '../measurement/measure-run.ts';
import { openLogForWriting } from '../store/db.ts';
import { ExperimentStore } from '../store/experiments.ts';
import type { StepMetrics } from '../store/metrics.ts';
import { PlanStore } from '../store/plans.ts';
import { SessionStore } from '../store/sessions.ts';
import type { ExperimentRow } from '../store/types.ts';
import type { CheckRun } from './findings.ts';

export interface CheckSettings {
  budgetS: number;
  seeds: readonly number[];
  /** An empty folder for the scratch log, its workspace and the runs' logs. */
  scratch: string;
  signal: AbortSignal;
  /** Told as each run starts (its seed and log file), to say what is going on while it trains. */
  onStart?: (seed: number, logPath: string) => void;
}

export interface Checked {
  runs: CheckRun[];
  graceS: number;
  /** Set when the user stopped the check: the runs measured before it. */
  interrupted: boolean;
}

// Enough of a log to find its first printed losses; a run may print far more.
const LOG_READ_BYTES = 1 << 20;

export async function checkRuns(dir: string, settings: CheckSettings): Promise<Checked> {
  const dbPath = path.join(settings.scratch, 'check.db');
  const db = openLogForWriting(dbPath);
  try {
    const sessions = new SessionStore(db);
    const experiments = new ExperimentStore(db);
    const plans = new PlanStore(db);
    const graceS = defaultGrace(settings.budgetS);
    const options = sessionOptions(dir, { budgetS: settings.budgetS, graceS, baselineRuns: settings.seeds.length });
    const opened = await openSession(sessions, experiments, dbPath, options, 'new');
    const runs: CheckRun[] = [];
    // A first run its deadline stopped short of its plan comes back interrupted with the plan cut
    // (plan-record.ts shortenPlan): its seed is measured again, once, on that plan.
    const queue = [...settings.seeds];
    let replanned = false;
    for (let seed = queue.shift(); seed !== undefined; seed = queue.shift()) {
      const row = experiments.create({
        session_id: opened.session.id,
        kind: 'baseline',
        description: `adopt check, seed ${seed}`,
        seed,
        base_commit: opened.session.baseline_commit!,
        proposer: 'adopt',
        decision: 'baseline',
      });
      const steps: StepMetrics[] = [];
      let logPath = '';
      const measured = await measureRun(
        opened,
        plans,
        row,
        { signal: settings.signal, onStep: (step) => steps.push(step) },
        () => experiments.forSession(opened.session.id),
        (request) => {
          logPath = request.logPath;
          experiments.started(row.id, logPath);
          settings.onStart?.(seed, logPath);
        },
      );
      if (measured.interrupted) {
        experiments.interrupted(row.id, measured.reason, measured.runS);
        if (!settings.signal.aborted && !replanned) {
          replanned = true;
          queue.unshift(seed);
          continue;
        }
        return { runs, graceS, interrupted: true };
      }
      experiments.finished(row.id, measured.outcome);
      runs.push(checkRun(experiments.get(row.id)!, steps, logPath));
    }
    sessions.end(opened.session.id, 'finished', 'adopt check done');
    return { runs, graceS, interrupted: false };
  } finally {
    db.close();
  }
}

function checkRun(row: ExperimentRow, steps: StepMetrics[], logPath: string): CheckRun {
  return {
    seed: row.seed,
    status: row.status,
    reason: row.reason,
    exitCode: row.exit_code,
    runS: row.run_s ?? 0,
    final: parsed(row.final_json),
    evaluation: parsed(row.eval_json),
    steps,
    log: readStart(logPath),
  };
}

const parsed = (json: string | null): Record<string, unknown> | null => (json === null ? null : (JSON.parse(json) as Record<string, unknown>));

function readStart(file: string): string {
  if (!fs.existsSync(file)) return '';
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(LOG_READ_BYTES);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, LOG_READ_BYTES, 0)).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
