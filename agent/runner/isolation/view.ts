import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../paths.ts';
import { pathPrefixes, SYSTEM_DIRS } from './bwrap-args.ts';
import { gpuDevices } from './choose.ts';

/** What a sandboxed run of this workspace may read: the system, interpreters, nightshift's packages, the corpus. */
export function sandboxView(workspace: string, outDir: string, pathVar: string, data: string | undefined, cacheDir?: string) {
  const modules = path.join(workspace, 'node_modules');
  const readonly = [
    ...SYSTEM_DIRS,
    ...pathPrefixes(pathVar),
    PACKAGE_ROOT,
    // The workspace links a node_modules that may live anywhere (the source sandbox's own).
    ...(fs.existsSync(modules) ? [fs.realpathSync(modules)] : []),
    ...(data ? [data] : []),
  ];
  return { readonly, devices: gpuDevices(), outDir, cacheDir, masked: credentialFiles(readonly), tmpBytes: Math.min(4 * 2 ** 30, Math.floor(os.totalmem() / 4)) };
}

// Tool folders that end up visible through PATH (~/.cargo, ~/.pyenv…) can hold registry tokens.
const CREDENTIALS = ['credentials', 'credentials.toml', '.credentials', '.netrc', '.npmrc', '.pypirc', '.git-credentials', 'auth.json'];

function credentialFiles(dirs: string[]): string[] {
  return dirs.flatMap((dir) => CREDENTIALS.map((name) => path.join(dir, name))).filter((file) => fs.existsSync(file));
}
