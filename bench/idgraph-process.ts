import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startChild, type Child } from "./ceilings/child";

/**
 * The bench measures what a server can serve, not its rate limits: with the per-credential limit
 * (per process) at its default, one SCIM token's lookups would be refused with 429 at 1,000 a
 * second, and a fleet of N would measure N times the limit. The limits stay on, far out of reach.
 */
const OUT_OF_REACH = String(1_000_000_000);

/**
 * Node's flags as `npm start` passes them (package.json): the bench measures the server as it is
 * run, heap limit included.
 */
function nodeArgsOfNpmStart(): string[] {
  const packageJson = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { scripts: { start: string } };
  const match = /^node((?: --\S+)*) dist\/src\/cli\/main\.js serve$/.exec(packageJson.scripts.start);
  if (!match) throw new Error(`package.json's start script is not "node [flags] dist/src/cli/main.js serve": ${packageJson.scripts.start}`);
  return match[1].trim().split(" ").filter(Boolean);
}

/** The real idgraph server (`idgraph serve`, compiled), in its own process, on a given database (a SQLite path or a postgres URL). */
export function startIdgraph(databaseUrl: string, env: Record<string, string> = {}): Promise<Child> {
  return startChild(join(__dirname, "..", "src", "cli", "main.js"), {
    ...env,
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
    nodeArgs: nodeArgsOfNpmStart(),
    ready: /GraphQL:\s+(\S+)\/graphql/,
  });
}
