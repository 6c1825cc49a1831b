import fs from 'node:fs';
import path from 'node:path';

/** A tool call the model got wrong or was not allowed to make: its message goes back as an error tool_result. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

export interface FileRules {
  /** The workspace root (a real directory). */
  dir: string;
  editable: readonly string[];
  readonly: readonly string[];
}

/** The files the model may read: the editable ones, the read-only ones, and the sandbox's own config. */
export function viewableFiles(rules: FileRules): string[] {
  return [...new Set([...rules.editable, ...rules.readonly, 'nightshift.json'])].map(normal);
}

const normal = (p: string): string => path.posix.normalize(p.replaceAll('\\', '/')).replace(/^\.\//, '');

/**
 * Resolves a path the model gave to a file it may use, or throws a ToolError saying why not.
 * Only paths relative to the workspace, without `..`, naming a listed file are accepted; the file
 * must be a regular file whose real location is inside the workspace (no symlink leads out).
 */
export function resolveFile(rules: FileRules, given: string, access: 'read' | 'write'): { rel: string; abs: string } {
  if (given.trim() === '') throw new ToolError('empty path');
  if (path.isAbsolute(given) || /^[A-Za-z]:[\\/]/.test(given)) {
    throw new ToolError(`absolute paths are not allowed (${given}); use a path relative to the workspace, such as ${rules.editable[0]}`);
  }
  if (given.split(/[\\/]/).includes('..')) throw new ToolError(`'..' is not allowed in paths (${given})`);
  const rel = normal(given);
  const editable = rules.editable.map(normal);
  if (access === 'write' && !editable.includes(rel)) {
    const why = rules.readonly.map(normal).includes(rel) || rel === 'nightshift.json' ? 'it is read-only' : 'it is not an editable file';
    throw new ToolError(`you may not change ${rel}: ${why}. Editable files: ${editable.join(', ')}`);
  }
  if (access === 'read' && !viewableFiles(rules).includes(rel)) {
    throw new ToolError(`${rel} is not one of the files you may view: ${viewableFiles(rules).join(', ')}`);
  }
  const abs = path.join(rules.dir, rel);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    throw new ToolError(`${rel} does not exist in the workspace`);
  }
  if (stat.isSymbolicLink()) {
    // Even a link that stays inside could alias a read-only file; links are never followed.
    throw new ToolError(`${rel} is a symbolic link; links are not followed`);
  }
  if (!stat.isFile()) throw new ToolError(`${rel} is not a regular file`);
  // A linked parent folder could lead out, or alias another file: the real path must be the path given.
  const real = path.relative(fs.realpathSync(rules.dir), fs.realpathSync(abs)).split(path.sep).join('/');
  if (real.startsWith('..')) throw new ToolError(`${rel} lies outside the workspace`);
  if (real !== rel) throw new ToolError(`${rel} is reached through a symbolic link; links are not followed`);
  return { rel, abs };
}
