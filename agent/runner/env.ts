import path from 'node:path';
import { HELPERS_DIR } from '../paths.ts';

/**
 * The training process gets a cleared environment: a short allowlist of the agent's variables
 * plus the NIGHTSHIFT_* protocol variables. Secrets never pass, even if someone allowlists them.
 */
const ALLOWED = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TERM',
  'CUDA_VISIBLE_DEVICES',
  'NVIDIA_VISIBLE_DEVICES',
  'NVIDIA_DRIVER_CAPABILITIES',
  'CUDA_HOME',
  'CUDA_PATH',
  'LD_LIBRARY_PATH',
  'PYTHONPATH',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'OMP_NUM_THREADS',
  'NIGHTSHIFT_TFJS_BACKEND',
  'NIGHTSHIFT_DATA',
];

/** The Python helper's folder (helpers/python/nightshift.py). */
export const PYTHON_HELPERS = path.join(HELPERS_DIR, 'python');

const SECRET = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$/i;

export interface ProtocolVariables {
  budgetS: number;
  seed: number;
  experimentId: number;
  outDir: string;
  /** The configuration's step plan, once a run of it made one (docs/design.md, "Step plan"). */
  steps?: number | null;
  /** The provisional plan that plan's first run began on (the helpers' lead-in), when it had one. */
  lead?: number | null;
  /** Steps per model shape timed so far in the session, for a configuration with no plan of its own. */
  shapeSteps?: Record<string, number>;
  /** Folders to put first on PATH (the agent's node_modules/.bin, so `tsx` resolves). */
  pathPrefix: string[];
  /** NIGHTSHIFT_DATA from the sandbox's config, when it names a corpus. */
  data?: string | undefined;
  /** NIGHTSHIFT_CACHE: the session's folder of what its prepare command made once, when it made it. */
  cache?: string | null;
  /** NIGHTSHIFT_COMPILED: the run's TypeScript compiled by the agent (measurement/compiled-ts.ts), for the helpers' hooks. */
  compiled?: string | null;
}

export function isSecretName(name: string): boolean {
  return SECRET.test(name);
}

export function buildTrainingEnv(parent: NodeJS.ProcessEnv, vars: ProtocolVariables): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ALLOWED) {
    const value = parent[name];
    if (value !== undefined && !isSecretName(name)) env[name] = value;
  }
  env.PATH = [...vars.pathPrefix, env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(':');
  // `import nightshift` finds the Python helper with no install, ahead of the user's own folders.
  env.PYTHONPATH = [PYTHON_HELPERS, ...(env.PYTHONPATH ? [env.PYTHONPATH] : [])].join(':');
  if (vars.data !== undefined) env.NIGHTSHIFT_DATA = vars.data;
  if (vars.cache) env.NIGHTSHIFT_CACHE = vars.cache;
  if (vars.compiled) env.NIGHTSHIFT_COMPILED = vars.compiled;
  env.NIGHTSHIFT_BUDGET_S = String(vars.budgetS);
  env.NIGHTSHIFT_SEED = String(vars.seed);
  env.NIGHTSHIFT_EXPERIMENT_ID = String(vars.experimentId);
  env.NIGHTSHIFT_OUT = vars.outDir;
  if (vars.steps !== undefined && vars.steps !== null) env.NIGHTSHIFT_STEPS = String(vars.steps);
  if (vars.lead !== undefined && vars.lead !== null) env.NIGHTSHIFT_LEAD_STEPS = String(vars.lead);
  if (vars.shapeSteps && Object.keys(vars.shapeSteps).length > 0) env.NIGHTSHIFT_SHAPE_STEPS = JSON.stringify(vars.shapeSteps);
  return env;
}
