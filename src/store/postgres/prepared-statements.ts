import { createHash } from "node:crypto";
import type { Row } from "../sql/rows";

/** The part of node-postgres' client the store uses. */
export interface PgClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Row[] }>;
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/**
 * Statement shapes prepared per connection. node-postgres keeps a named statement for the
 * connection's life and PostgreSQL keeps its plan; the fixed statements and the filter shapes an
 * IdP sends are far fewer. Past the bound, new shapes run unnamed (parsed each time), so a client
 * inventing filter shapes cannot grow either side without limit.
 */
const PREPARED_PER_CONNECTION = 256;

interface Prepared {
  name: string;
  text: string;
}

/** The statements one connection has prepared, and how many times they were given up (see forgetPrepared). */
interface ConnectionStatements {
  bySql: Map<string, Prepared>;
  generation: number;
}

/** Per connection: the store's SQL → its PostgreSQL text and statement name, made once per shape. */
const preparedByConnection = new WeakMap<PgClient, ConnectionStatements>();

function statementsOf(client: PgClient): ConnectionStatements {
  let statements = preparedByConnection.get(client);
  if (!statements) preparedByConnection.set(client, (statements = { bySql: new Map(), generation: 0 }));
  return statements;
}

/**
 * A statement with `?` parameters as node-postgres runs it: `$n` placeholders, and a name (a hash
 * of the text) so each connection parses and plans it once, as store/sqlite prepares its reads.
 * A shape already prepared costs one Map lookup: no rewriting, no hashing.
 */
export function preparedQuery(client: PgClient, sql: string, values: unknown[]): { name?: string; text: string; values: unknown[] } {
  const statements = statementsOf(client);
  const known = statements.bySql.get(sql);
  if (known) return { name: known.name, text: known.text, values };
  const text = numberedPlaceholders(sql);
  if (statements.bySql.size >= PREPARED_PER_CONNECTION) return { text, values };
  const generation = statements.generation > 0 ? `_${statements.generation}` : "";
  const name = `idgraph_${createHash("sha1").update(text).digest("hex").slice(0, 24)}${generation}`;
  statements.bySql.set(sql, { name, text });
  return { name, text, values };
}

/**
 * True for PostgreSQL's "cached plan must not change result type": a migration (another process's,
 * during a rolling deploy) changed a table under a statement this connection prepared, and its
 * `select *` would now return other columns. PostgreSQL refuses to run it again.
 */
export function isStalePreparedPlan(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "0A000" && /cached plan must not change result type/.test(e.message ?? "");
}

/**
 * Gives up every statement this connection prepared: the next call of each shape prepares it
 * again under a new name (node-postgres remembers names per connection and would not re-parse an
 * old one). The old statements stay on the server until the connection closes: a few hundred per
 * migration at most.
 */
export function forgetPrepared(client: PgClient): void {
  const statements = statementsOf(client);
  statements.bySql.clear();
  statements.generation += 1;
}

/**
 * `?` → `$1, $2, …`. The store's statements are written with `?` for both databases and hold no
 * other `?` (filters bind every operand; no jsonb `?` operator is used).
 */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
