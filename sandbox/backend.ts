/**
 * Picks the TensorFlow.js backend: NIGHTSHIFT_TFJS_BACKEND when set (empty counts as unset), otherwise the fastest that
 * loads. The native bindings (tfjs-node-gpu, tfjs-node) are optional installs and win when they
 * load. Of the two that always load, wasm comes first: on a 2-core AMD EPYC it trains this model
 * about 20x faster than the pure-JS cpu backend (bench/sandbox-throughput.ts measures both).
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '@nightshift/helpers';
import { z } from 'zod';

const ORDER = ['node-gpu', 'node', 'wasm', 'cpu'] as const;

export type BackendName = (typeof ORDER)[number];

// Non-literal specifiers, so the type checker does not require the optional packages.
const PACKAGES: Record<BackendName, string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const REGISTERED: Record<BackendName, string> = { 'node-gpu': 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

async function load(name: BackendName): Promise<void> {
  if (name !== 'cpu') await import(PACKAGES[name]);
  if (!(await tf.setBackend(REGISTERED[name]))) throw new Error(`tf.setBackend('${REGISTERED[name]}') failed`);
  await tf.ready();
}

/** NIGHTSHIFT_TFJS_BACKEND, checked: one of ORDER, or undefined when unset. */
export function requestedBackend(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const value = env.NIGHTSHIFT_TFJS_BACKEND || undefined;
  const parsed = z.enum(ORDER).optional().safeParse(value);
  if (!parsed.success) throw new UsageError(`NIGHTSHIFT_TFJS_BACKEND=${JSON.stringify(value)} is invalid (not one of ${ORDER.join(', ')})`);
  return parsed.data;
}

/** Loads the requested backend, or the first of ORDER that loads; returns its name. */
export async function selectBackend(requested: BackendName | undefined): Promise<BackendName> {
  tf.enableProdMode();
  if (requested) {
    try {
      await load(requested);
    } catch (error) {
      throw new UsageError(`NIGHTSHIFT_TFJS_BACKEND=${requested}: ${PACKAGES[requested]} did not load (${(error as Error).message.split('\n')[0]})`);
    }
    return requested;
  }
  for (const name of ORDER) {
    try {
      await load(name);
      return name;
    } catch {
      // Not installed or not loadable here: try the next one.
    }
  }
  throw new UsageError('no TensorFlow.js backend loaded');
}

/** Turns a missing kernel or gradient into one sentence that says what to do. */
export function explainBackendError(error: Error): string | undefined {
  const backend = tf.getBackend();
  const grad = /gradient function not found for (\w+)/.exec(error.message);
  if (grad) return `backend ${backend} lacks the gradient of ${grad[1]}; set NIGHTSHIFT_TFJS_BACKEND=cpu`;
  const kernel = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(error.message);
  if (kernel) return `backend ${kernel[2]} lacks the op ${kernel[1]}; set NIGHTSHIFT_TFJS_BACKEND=cpu`;
  return undefined;
}
