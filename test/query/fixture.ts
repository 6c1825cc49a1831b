import fs from 'node:fs';
import path from 'node:path';
import { createPolicy } from '../../agent/decide/registry.ts';
import { FAST_SANDBOX, fastSandbox } from '../helpers.ts';
import { meanRule, options, runLoop } from '../loop/harness.ts';

/**
 * A log built by the real loop on the fast script, with something of everything the query
 * commands show: session 1 under the noise-aware rule (ablations, an interaction, a control),
 * session 2 under the harness's mean rule (it keeps two changes in a row), a crashing
 * configuration (lr above 0.05), and final lines that carry a floor and memory_gb.
 * `dir` must outlive the tests (make it at the top level of the test file, not in a hook).
 */
export async function buildQueryLog(dir: string): Promise<string> {
  const db = path.join(dir, 'log.db');
  const script = fs
    .readFileSync(path.join(FAST_SANDBOX, 'train.mjs'), 'utf8')
    .replace(
      /^const valLoss = mse\(val\);$/m,
      "if (config.lr > 0.05) { console.error('simulated out of memory'); process.exit(3); }\nconst valLoss = mse(val);",
    )
    .replace('steps: step,', 'steps: step, floor_val_loss: 0.09, memory_gb: 1.25,');
  const sandbox = fastSandbox({ 'train.mjs': script });
  // 6 decisions (15 runs): the ablations, the interaction, and three tweaks, one of them crashing.
  await runLoop(options(sandbox, { decision: 'noise-aware', baselineRuns: 3, ablationRuns: 2, controlEvery: 3, maxExperiments: 6 }), {
    db,
    policy: createPolicy('noise-aware'),
  });
  // 7 decisions: the two keeps in a row come from the pattern search, before the knob model takes over.
  await runLoop(options(sandbox, { baselineRuns: 1, ablationRuns: 1, interactionTop: 0, maxExperiments: 7 }), { db, policy: meanRule });
  return db;
}
