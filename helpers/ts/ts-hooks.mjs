/**
 * Module hooks (register.mjs installs them): a .ts, .mts or .cts file is compiled by esbuild (types
 * removed, nothing bundled or checked) as it is loaded; everything else, node_modules included,
 * loads as node loads it. Imports name their .ts files in full (`./prepare.ts`), so node's own
 * resolution needs no help.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const TYPESCRIPT = /\.[cm]?ts$/;

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file });
  return { format: 'module', source: code, shortCircuit: true };
}
