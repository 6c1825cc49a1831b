/**
 * better-sqlite3 reads SQLITE_USE_URI once, when its native addon loads (at the first Database):
 * URI names are how a log in a read-only folder is opened (`?immutable=1`, see db.ts). Imported
 * by db.ts before better-sqlite3 for that reason. Every name nightshift opens otherwise is a
 * path, never starting with `file:`, so nothing else changes meaning. Training runs and git get
 * their own short environments, so this variable reaches neither.
 */
process.env.SQLITE_USE_URI ??= '1';
