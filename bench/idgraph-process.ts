import { join } from "node:path";
import { startChild, type Child } from "./ceilings/child";

/** The real idgraph server (`idgraph serve`, compiled), in its own process, on a given database (a SQLite path or a postgres URL). */
export function startIdgraph(databaseUrl: string): Promise<Child> {
  return startChild(join(__dirname, "..", "src", "cli", "main.js"), { DATABASE_URL: databaseUrl, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" }, {
    args: ["serve"],
    ready: /GraphQL:\s+(\S+)\/graphql/,
  });
}
