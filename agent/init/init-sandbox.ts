/**
 * `nightshift init DIR --template tfjs|torch`: writes a sandbox template (sandbox/ or
 * templates/torch/) into a new or empty folder, so that a user starts from a working experiment.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { PACKAGE_ROOT } from '../paths.ts';

export type Template = 'tfjs' | 'torch';

const SOURCES: Record<Template, string> = { tfjs: path.join(PACKAGE_ROOT, 'sandbox'), torch: path.join(PACKAGE_ROOT, 'templates', 'torch') };
/** Installed or generated things that are not part of a template. */
const SKIP = new Set(['node_modules', '__pycache__', '.nightshift', '.git']);

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const child = path.join(rel, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(dir, child)));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

/** Copies the template into dir (created if missing) and returns the files written, relative to dir. */
export async function initSandbox(dir: string, template: Template): Promise<string[]> {
  const source = SOURCES[template];
  if (!source) throw new UserError(`unknown template ${String(template)}; use tfjs or torch`);
  const target = path.resolve(dir);
  const stat = await fs.stat(target).catch((error: unknown) => {
    // Absent: it is created below.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return null;
  });
  if (stat && !stat.isDirectory()) throw new UserError(`${dir} exists and is not a folder.`);
  if (stat && (await fs.readdir(target)).length > 0) {
    throw new UserError(`${dir} is not empty; nightshift init writes a sandbox only into a new or empty folder.`);
  }
  const files = (await listFiles(source)).sort();
  for (const file of files) {
    await fs.mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await fs.copyFile(path.join(source, file), path.join(target, file));
  }
  return files;
}
