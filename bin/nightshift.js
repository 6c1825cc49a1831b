#!/usr/bin/env node
// The installed binary: runs the CLI compiled to dist/ (`npm run build`, which `npm install` runs),
// so no TypeScript loader starts with every command.
import { fileURLToPath } from 'node:url';

const MAIN = new URL('../dist/cli/main.js', import.meta.url);

await import(MAIN.href).catch((error) => {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes(fileURLToPath(MAIN))) throw error;
  process.stderr.write(`nightshift: not built: run 'npm run build' in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exitCode = 1;
});
