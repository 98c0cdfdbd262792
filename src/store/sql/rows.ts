export type Row = Record<string, unknown>;

/**
 * Decoding of raw SQL rows, which differ by driver: SQLite returns JSON columns as text and
 * booleans as 0/1; PostgreSQL returns parsed JSON and real booleans.
 */
export function jsonColumn<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === "string") return JSON.parse(value) as T;
  return value as T;
}

export function booleanColumn(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "t";
}

/**
 * Splits a list so each statement stays under the bound-parameter limit (SQLite 32,766 since
 * 3.32, PostgreSQL 65,535; the largest statement here binds a chunk twice). 5,000 is above the
 * largest GraphQL page (1,000), so a page of any size costs the same number of statements.
 */
export function chunks<T>(items: T[], size = 5000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** SQLite returns datetimes as epoch milliseconds (how MikroORM stores them), PostgreSQL as Date. */
export function dateColumn(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(typeof value === "number" ? value : String(value));
}
