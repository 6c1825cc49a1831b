import fs from 'node:fs';
import path from 'node:path';
import './sqlite-uri.ts';
import Database from 'better-sqlite3';
import { UserError } from '../errors.ts';
import { MIGRATIONS, READABLE_FROM } from './migrations.ts';

export type Db = Database.Database;

export const SCHEMA_VERSION = MIGRATIONS.length;

const SQLITE_MAGIC = 'SQLite format 3\0';
/** Every SQLite file starts with a header of this many bytes. */
const SQLITE_HEADER = 100;

/**
 * Refuses, in one sentence, a file that exists but is not an SQLite database, or is cut inside
 * its header. An empty file passes: SQLite reads it as an empty database (an agent killed while
 * creating its log leaves one).
 */
function assertSqliteFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER);
    const read = fs.readSync(fd, head, 0, SQLITE_HEADER, 0);
    const magic = Math.min(read, SQLITE_MAGIC.length);
    if (read > 0 && head.toString('latin1', 0, magic) !== SQLITE_MAGIC.slice(0, magic)) {
      throw new UserError(`${file} is not an SQLite database`);
    }
    if (read > 0 && read < SQLITE_HEADER) throw new UserError(`${file} is not an SQLite database (truncated)`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Why nothing can be written to `target` (EROFS, EACCES), or null when it can. */
function unwritable(target: string): string | null {
  try {
    fs.accessSync(target, fs.constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return 'is on a read-only file system';
    if (code === 'EACCES' || code === 'EPERM') return 'is not writable by this user';
    throw error; // ENOENT and the like: the caller checked existence, so this is unexpected
  }
}

/** `run` needs to write the log and the files beside it (WAL, workspaces): refused in one sentence before anything is written. */
function assertWritable(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    // A recursive mkdir on a read-only file system reports ENOENT: ask the nearest folder that exists.
    let existing = path.dirname(dir);
    while (!fs.existsSync(existing)) existing = path.dirname(existing);
    const why = unwritable(existing);
    if (why) throw new UserError(`cannot write the log ${file}: its folder ${existing} ${why}`);
    throw error;
  }
  const folder = unwritable(dir);
  if (folder) throw new UserError(`cannot write the log ${file}: its folder ${dir} ${folder}`);
  const itself = fs.existsSync(file) ? unwritable(file) : null;
  if (itself) throw new UserError(`cannot write the log ${file}: the file ${itself}`);
}

/** A damaged database (a flipped page, a lost one) that still opens: found before anything is written to it. */
function assertIntact(db: Db, file: string): void {
  // quick_check: the structure of every page, in one pass (integrity_check's index cross-checks cost more and found no more here).
  const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
  if (rows.length === 1 && rows[0]!.quick_check === 'ok') return;
  // Its first row starts with a "*** in database main ***" heading; the finding follows it.
  const finding = rows.flatMap((r) => r.quick_check.split('\n')).find((l) => !l.startsWith('***')) ?? 'quick_check failed';
  throw new UserError(`${file} is a damaged SQLite database (${finding}); nothing was written to it`);
}

function checkVersion(db: Db, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new UserError(`${file} was written by a newer nightshift (schema v${version}; this one knows up to v${SCHEMA_VERSION})`);
  }
  return version;
}

/**
 * Foreign keys are off while migrating (SQLite's own procedure for rebuilding a table: its
 * deferred-key counter would count every child row of the dropped table as broken) and checked
 * whole before each migration commits.
 */
function migrate(db: Db, from: number): void {
  if (from >= SCHEMA_VERSION) return;
  db.pragma('foreign_keys = OFF');
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration to v${v + 1} would leave ${broken.length} broken references`);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  db.pragma('foreign_keys = ON');
}

/** Opens (creating if needed) the log for writing: WAL, foreign keys, schema migrated. */
export function openLogForWriting(file: string): Db {
  const existed = fs.existsSync(file);
  if (existed) assertSqliteFile(file);
  assertWritable(file);
  let db: Db;
  try {
    // Absolute, so no name is ever read as a `file:` URI (sqlite-uri.ts).
    db = new Database(path.resolve(file));
    db.pragma('busy_timeout = 10000');
    if (existed) assertIntact(db, file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, checkVersion(db, file));
  } catch (error) {
    throw asUserError(error, file);
  }
  return db;
}

/** Opens an existing log read-only; never creates a file. */
export function openLogReadOnly(file: string): Db {
  if (!fs.existsSync(file)) throw new UserError(`no log at ${file}`);
  assertSqliteFile(file);
  try {
    const db = new Database(readOnlyName(file), { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    const version = checkVersion(db, file);
    if (version === 0) throw new UserError(`${file} holds no nightshift log (an empty database)`);
    if (version < READABLE_FROM) {
      throw new UserError(`${file} uses an older schema (v${version}); run 'nightshift run --db ${file}' once to migrate it`);
    }
    return db;
  } catch (error) {
    throw asUserError(error, file);
  }
}

/**
 * A reader of a WAL database needs its -shm file, which it cannot create in a read-only folder:
 * there the log is opened immutable (nobody can be writing it, and nothing is created beside it).
 * Elsewhere the plain name, so a reader sees the running agent's writes.
 */
function readOnlyName(file: string): string {
  const abs = path.resolve(file);
  if (unwritable(path.dirname(abs)) === null || fs.existsSync(`${abs}-shm`)) return abs;
  const uri = abs.split(path.sep).map(encodeURIComponent).join('/');
  return `file:${uri}?immutable=1`;
}

/** SQLite's words for a database file that is damaged, as one sentence; null for any other error. */
export function describeDamagedLog(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))) {
    return `the log is damaged (${(error as Error).message}); nightshift cannot read it`;
  }
  return null;
}

function asUserError(error: unknown, file: string): Error {
  if (error instanceof UserError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/not a database|malformed|file is encrypted/i.test(message)) {
    return new UserError(`${file} is not a valid SQLite database (${message})`);
  }
  return error instanceof Error ? error : new Error(message);
}
