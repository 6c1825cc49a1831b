import path from 'node:path';

/**
 * The install prefix of a PATH entry, so an interpreter outside /usr (pyenv, conda, nvm) finds
 * its libraries: the parent of a folder named bin, sbin or shims; the node_modules folder of a
 * node_modules/.bin (its entries are links into the packages beside it); else the entry itself.
 */
export function installPrefix(entry: string): string {
  const base = path.basename(entry);
  const parent = path.dirname(entry);
  if (base === '.bin' && path.basename(parent) === 'node_modules') return parent;
  return ['bin', 'sbin', 'shims'].includes(base) ? parent : entry;
}

/**
 * Folders to bind for the given PATH entries: each one's install prefix, unless that prefix is
 * too broad to show — the root or a top-level folder (/bin's prefix is /, /tmp/bin's is /tmp) or
 * a home directory (~/bin's prefix is ~) — then the entry itself, unless that is too broad too
 * (system entries like /bin are in the system view already). Relative entries are ignored.
 */
export function pathPrefixes(entries: readonly string[], homes: ReadonlySet<string>): string[] {
  const binds = entries
    .filter((e) => path.isAbsolute(e))
    .map((e) => path.resolve(e))
    .map((e) => [installPrefix(e), e].find((p) => !tooBroad(p, homes)))
    .filter((p): p is string => p !== undefined);
  return [...new Set(binds)];
}

/** The root, a top-level folder or a home: never bound whole, however it is reached. */
export function tooBroad(p: string, homes: ReadonlySet<string>): boolean {
  return p.split(path.sep).filter(Boolean).length < 2 || homes.has(p);
}
