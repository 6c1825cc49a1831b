import fs from 'node:fs';
import path from 'node:path';

// Where secrets live by convention. Folders: keys and cloud/registry logins (.config holds gh,
// gcloud, rclone…). Files: registry and database tokens, dotenv files, shell histories (they
// keep pasted tokens). Prefixes: cloud credential files and SSH keys kept outside .ssh.
const FOLDERS = new Set(['.ssh', '.aws', '.config', '.gnupg', '.docker', '.kube', '.azure', '.kaggle', '.password-store', '.claude']);
const FILES = new Set([
  '.netrc',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pypirc',
  '.git-credentials',
  '.pgpass',
  '.my.cnf',
  '.vault-token',
  '.terraformrc',
  '.boto',
  '.s3cfg',
  '.dockercfg',
  '.env',
  'auth.json',
  '.bash_history',
  '.zsh_history',
  '.python_history',
  '.node_repl_history',
  '.psql_history',
  '.mysql_history',
]);
const PREFIXES = ['credentials', '.credentials', 'id_rsa', 'id_ecdsa', 'id_ed25519', 'id_dsa'];

export function isCredential(name: string, isFolder: boolean): boolean {
  return (isFolder ? FOLDERS : FILES).has(name) || PREFIXES.some((p) => name.startsWith(p));
}

/** How far below a bound folder to look: a tool folder like ~/.cargo or a corpus keeps its secrets near the top. */
const MAX_DEPTH = 3;
/** A cap on entries read per search, so a huge bound folder cannot slow every run's start. */
const MAX_ENTRIES = 50_000;

export interface Masks {
  files: string[];
  folders: string[];
}

/**
 * Credential files and folders at most MAX_DEPTH levels below the given folders. Packages are
 * not searched (a node_modules holds published code, and thousands of folders). A link with a
 * credential's name is masked at its target, where the mount has to go.
 */
export function credentialMasks(roots: readonly string[]): Masks {
  const masks: Masks = { files: [], folders: [] };
  let budget = MAX_ENTRIES;
  const add = (p: string, isFolder: boolean) => (isFolder ? masks.folders : masks.files).push(p);
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      // A folder we may not list, or gone since: nothing in it to mask.
      if (!(error instanceof Error && 'code' in error)) throw error;
      return;
    }
    for (const entry of entries) {
      if (--budget < 0) return;
      const p = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = resolved(p);
        if (target && isCredential(entry.name, target.isFolder)) add(target.path, target.isFolder);
      } else if (isCredential(entry.name, entry.isDirectory())) {
        add(p, entry.isDirectory());
      } else if (entry.isDirectory() && depth < MAX_DEPTH && entry.name !== 'node_modules') {
        walk(p, depth + 1);
      }
    }
  };
  for (const root of roots) if (path.basename(root) !== 'node_modules') walk(root, 1);
  return masks;
}

/** Paths that must read as empty where a bound folder holds them (the agent's log, the session's git folder). */
export function hiddenMasks(hidden: readonly string[]): Masks {
  const masks: Masks = { files: [], folders: [] };
  for (const p of hidden) {
    // Both spellings: a bound folder may be reached through a link or by its real path.
    for (const spelling of new Set([path.resolve(p), resolved(p)?.path])) {
      const target = spelling && resolved(spelling);
      if (target) (target.isFolder ? masks.folders : masks.files).push(spelling);
    }
  }
  return masks;
}

function resolved(p: string): { path: string; isFolder: boolean } | null {
  try {
    return { path: fs.realpathSync(p), isFolder: fs.statSync(p).isDirectory() };
  } catch (error) {
    // A dangling or unreadable link: nothing there to mask.
    if (!(error instanceof Error && 'code' in error)) throw error;
    return null;
  }
}
