/**
 * Module hooks (register.mjs installs them): a .ts, .mts or .cts file is compiled by esbuild (types
 * removed, nothing bundled or checked) as it is loaded; everything else, node_modules included,
 * loads as node loads it. Imports name their .ts files in full (`./prepare.ts`), so node's own
 * resolution needs no help.
 *
 * Under nightshift a file is usually compiled already: NIGHTSHIFT_COMPILED names a folder the agent
 * filled, before the run, with the compiled text of the run's files, each named by compiledKey of
 * its source (agent/measurement/compiled-ts.ts). Loading esbuild and starting its service cost a
 * process about a quarter of a second; with every file found there, esbuild is never loaded.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPESCRIPT = /\.[cm]?ts$/;

/** How every .ts file is compiled, here and by the agent. */
export const TRANSFORM = Object.freeze({ loader: 'ts', format: 'esm', target: 'node20' });

const ESBUILD_VERSION = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')).version;

/** The name of a source's compiled text: it changes with the text, the options and esbuild's version. */
export function compiledKey(source) {
  return createHash('sha256')
    .update(`${ESBUILD_VERSION}\0${JSON.stringify(TRANSFORM)}\0${source}`)
    .digest('hex');
}

async function compiledBefore(source) {
  const dir = process.env.NIGHTSHIFT_COMPILED;
  if (!dir) return null;
  try {
    return await readFile(path.join(dir, `${compiledKey(source)}.js`), 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

async function compile(source, file) {
  const { transform } = await import('esbuild');
  return (await transform(source, { ...TRANSFORM, sourcefile: file })).code;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  return { format: 'module', source: (await compiledBefore(source)) ?? (await compile(source, file)), shortCircuit: true };
}
