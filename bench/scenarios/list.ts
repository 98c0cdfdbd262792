import { loadConfig, type DatabaseConfig } from "../../src/config";
import { buildApp } from "../../src/server/app";
import type { BenchTenant } from "../tenant";

const LIST = `query($o: ID!, $a: ID!, $first: Int!) {
  users(organizationId: $o, first: $first) {
    nodes { id userName groups { displayName } effectiveAccess(accountId: $a) { roles { key } permissions } }
  }
}`;

export interface ListResult {
  page: number;
  milliseconds: number;
  statements: number;
  /** Statements for a page a tenth of the size: must be the same (no N+1). */
  statementsSmallPage: number;
}

/**
 * graph.list: one GraphQL query listing a page of users with their groups and effective roles,
 * served by an in-process instance of the server on the same database so every SQL statement it
 * issues can be counted.
 */
export async function graphList(database: DatabaseConfig, tenant: BenchTenant, page: number): Promise<ListResult> {
  let statements = 0;
  const config = loadConfig({});
  // Counted statements are the list's own: no webhook dispatcher polling beside it.
  const built = await buildApp({ ...config, database, events: { ...config.events, dispatch: false } }, { logger: false, onQuery: () => { statements += 1; } });
  try {
    const run = async (first: number) => {
      const before = statements;
      const started = performance.now();
      const response = await built.app.inject({
        method: "POST",
        url: "/graphql",
        headers: { authorization: `Bearer ${tenant.apiKey}`, "content-type": "application/json" },
        payload: { query: LIST, variables: { o: tenant.organizationId, a: tenant.accountIds[0], first } },
      });
      const milliseconds = performance.now() - started;
      const body = response.json() as { data?: { users: { nodes: unknown[] } }; errors?: unknown };
      if (body.errors || body.data?.users.nodes.length !== first) throw new Error(`graph.list failed: ${response.body.slice(0, 500)}`);
      return { milliseconds, statements: statements - before };
    };
    await run(Math.max(1, page / 10)); // warm the caches and the authentication path
    const small = await run(Math.max(1, page / 10));
    const big = await run(page);
    return { page, milliseconds: Math.round(big.milliseconds), statements: big.statements, statementsSmallPage: small.statements };
  } finally {
    await built.close();
  }
}
