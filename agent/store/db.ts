import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../errors.ts';
import { MIGRATIONS, READABLE_FROM } from './migrations.ts';

export type Db = Database.Database;

export const SCHEMA_VERSION = MIGRATIONS.length;

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Refuses, in one sentence, a file that exists but is not an SQLite database. */
function assertSqliteFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const read = fs.readSync(fd, head, 0, 16, 0);
    if (read > 0 && head.toString('latin1', 0, read) !== SQLITE_MAGIC.slice(0, read)) {
      throw new UserError(`${file} is not an SQLite database`);
    }
    if (read > 0 && read < 16) throw new UserError(`${file} is not an SQLite database (truncated)`);
  } finally {
    fs.closeSync(fd);
  }
}

function checkVersion(db: Db, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new UserError(
      `${file} was written by a newer nightshift (schema v${version}; this one knows up to v${SCHEMA_VERSION})`,
    );
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
  if (fs.existsSync(file)) assertSqliteFile(file);
  else fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('busy_timeout = 10000');
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
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    const version = checkVersion(db, file);
    if (version < READABLE_FROM) {
      throw new UserError(`${file} uses an older schema (v${version}); run 'nightshift run --db ${file}' once to migrate it`);
    }
    return db;
  } catch (error) {
    throw asUserError(error, file);
  }
}

function asUserError(error: unknown, file: string): Error {
  if (error instanceof UserError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/not a database|malformed|file is encrypted/i.test(message)) {
    return new UserError(`${file} is not a valid SQLite database (${message})`);
  }
  return error instanceof Error ? error : new Error(message);
}
