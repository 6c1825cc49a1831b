import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nightshift package root (where its node_modules live): the parent of agent/, or of dist/ when compiled. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The helper modules for training scripts (helpers/README.md): outside every workspace, so no run
 * can change them, and read-only in an isolated run's view.
 */
export const HELPERS_DIR = path.join(PACKAGE_ROOT, 'helpers');

/** Where a log's sessions keep their workspaces, run logs and artifacts: beside the DB file. */
export function sessionDir(dbPath: string, sessionId: number): string {
  const db = path.resolve(dbPath);
  return path.join(path.dirname(db), '.nightshift', path.basename(db).replace(/\.[^.]*$/, ''), `session-${sessionId}`);
}
