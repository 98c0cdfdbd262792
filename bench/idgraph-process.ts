import { join } from "node:path";
import { startChild, type Child } from "./ceilings/child";

/**
 * The bench measures what a server can serve, not its rate limits: with the per-credential limit
 * (per process) at its default, one SCIM token's lookups would be refused with 429 at 1,000 a
 * second, and a fleet of N would measure N times the limit. The limits stay on, far out of reach.
 */
const OUT_OF_REACH = String(1_000_000_000);

/** The real idgraph server (`idgraph serve`, compiled), in its own process, on a given database (a SQLite path or a postgres URL). */
export function startIdgraph(databaseUrl: string): Promise<Child> {
  return startChild(join(__dirname, "..", "src", "cli", "main.js"), {
    DATABASE_URL: databaseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    CREDENTIAL_RATE_PER_SECOND: OUT_OF_REACH,
    CREDENTIAL_BURST: OUT_OF_REACH,
    MEMBERSHIP_RATE_PER_SECOND: OUT_OF_REACH,
    MEMBERSHIP_BURST: OUT_OF_REACH,
  }, {
    args: ["serve"],
    ready: /GraphQL:\s+(\S+)\/graphql/,
  });
}
