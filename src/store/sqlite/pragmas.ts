/**
 * Pragmas of MikroORM's connections (its writer and its readers) and the writer thread's. WAL +
 * synchronous=NORMAL keeps committed transactions across a process kill while avoiding an fsync
 * per commit. The page cache keeps the userName index hot at 100k users (STACK.md: SQLite speed);
 * it is per connection and counts in the server's RSS, so each connection gets 16 MiB, not 64.
 */
export const SQLITE_PRAGMAS = [
  "PRAGMA journal_mode = WAL",
  "PRAGMA synchronous = NORMAL",
  "PRAGMA foreign_keys = ON",
  "PRAGMA busy_timeout = 5000",
  "PRAGMA cache_size = -16384",
  "PRAGMA temp_store = MEMORY",
].join("; ");
