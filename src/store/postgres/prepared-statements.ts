import { createHash } from "node:crypto";
import type { Row } from "../sql/rows";

/** The part of node-postgres' client the store uses. */
export interface PgClient {
  query(text: string, values: unknown[]): Promise<{ rows: Row[] }>;
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

/** Per connection: the store's SQL → its PostgreSQL text and statement name, made once per shape. */
const preparedByConnection = new WeakMap<PgClient, Map<string, Prepared>>();

/**
 * A statement with `?` parameters as node-postgres runs it: `$n` placeholders, and a name (a hash
 * of the text) so each connection parses and plans it once, as store/sqlite prepares its reads.
 * A shape already prepared costs one Map lookup: no rewriting, no hashing.
 */
export function preparedQuery(client: PgClient, sql: string, values: unknown[]): { name?: string; text: string; values: unknown[] } {
  let prepared = preparedByConnection.get(client);
  if (!prepared) preparedByConnection.set(client, (prepared = new Map()));
  const known = prepared.get(sql);
  if (known) return { name: known.name, text: known.text, values };
  const text = numberedPlaceholders(sql);
  if (prepared.size >= PREPARED_PER_CONNECTION) return { text, values };
  const name = `idgraph_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
  prepared.set(sql, { name, text });
  return { name, text, values };
}

/**
 * `?` → `$1, $2, …`. The store's statements are written with `?` for both databases and hold no
 * other `?` (filters bind every operand; no jsonb `?` operator is used).
 */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
