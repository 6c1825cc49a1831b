/**
 * `node --import @nightshift/helpers/register train.ts`: runs a TypeScript script with plain node,
 * in one process. tsx costs a sandbox run about 1.5 s of CPU before its first line (a second node
 * process, its loader and its hooks on every CommonJS file TensorFlow.js loads); these hooks only
 * compile the .ts files themselves (ts-hooks.mjs), so start-up is node's own plus a few ms per file.
 * JavaScript, because it is what loads before TypeScript can.
 */
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
