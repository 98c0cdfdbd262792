#!/usr/bin/env node
import "./production-mode";
import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { ACCESS_REVIEW_USAGE, accessReviewCommand } from "./access-review";
import { CLI_ACTOR } from "../domain/actor";
import { createApiKey } from "../domain/commands/credentials";
import { printGraphSchema, SCHEMA_FILE } from "../graph/print-schema";
import { buildApp } from "../server/app";
import { GRAPHQL_PATH } from "../server/graphql";
import { PLAYGROUND_PATH } from "../server/playground";
import { exitOnTerminationSignals, gracefulShutdown } from "../server/shutdown";
import { SCIM_PATH } from "../scim/plugin";
import { migrateToLatest, openOrm } from "../store/orm";

const USAGE = `idgraph <command>

  serve                         apply pending migrations and serve GraphQL, the playground and SCIM
  migrate                       apply pending migrations and exit
  api-key create --role admin|reader --name NAME [--organization ORG_ID]
                                create an API key; its secret is the last line printed
  schema:emit                   write ${SCHEMA_FILE} from the resolvers
  ${ACCESS_REVIEW_USAGE}

Configuration comes from the environment: PORT, HOST, DATABASE_URL, LOG_LEVEL and the rest of the
README's Configure table (DATABASE_POOL_SIZE, rate limits, metrics, SHUTDOWN_TIMEOUT_MS).
On SIGTERM or SIGINT, serve finishes the requests in flight and exits 0 (1 past SHUTDOWN_TIMEOUT_MS).`;

async function serve(): Promise<void> {
  const config = loadConfig();
  const built = await buildApp(config);
  const shutDown = gracefulShutdown(built, { timeoutMs: config.shutdownTimeoutMs, log: console });
  const address = await built.app.listen({ host: config.host, port: config.port });
  const base = address.replace("0.0.0.0", "127.0.0.1");
  if (built.migrations.length > 0) console.log(`Applied migrations: ${built.migrations.join(", ")}`);
  console.log(`idgraph is serving ${describeDatabase(config)}`);
  console.log(`  GraphQL:    ${base}${GRAPHQL_PATH}`);
  console.log(`  Playground: ${base}${PLAYGROUND_PATH}`);
  console.log(`  SCIM 2.0:   ${base}${SCIM_PATH}`);
  console.log(`Create an admin API key for the playground:  npm run --silent idgraph -- api-key create --role admin --name me`);
  // SIGTERM or SIGINT: stop accepting, finish what is in flight, close the database, exit 0, or 1
  // past SHUTDOWN_TIMEOUT_MS (server/shutdown.ts).
  exitOnTerminationSignals(shutDown);
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  const orm = await openOrm(config.database);
  try {
    const applied = await migrateToLatest(orm);
    console.log(applied.length > 0 ? `Applied: ${applied.join(", ")}` : "The database is up to date.");
  } finally {
    await orm.close(true);
  }
}

async function createKey(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { role: { type: "string" }, name: { type: "string" }, organization: { type: "string" } } });
  const role = values.role?.toUpperCase();
  if (role !== "ADMIN" && role !== "READER") throw new Error("--role must be admin or reader");
  if (!values.name) throw new Error("--name is required");
  const config = loadConfig();
  const orm = await openOrm(config.database);
  try {
    await migrateToLatest(orm);
    const issued = await createApiKey({ em: orm.em.fork(), actor: CLI_ACTOR }, { name: values.name, role, organizationId: values.organization ?? null });
    const scope = issued.credential.organization ? `organization ${issued.credential.organization.id}` : "all organizations";
    console.log(`Created ${role.toLowerCase()} API key "${values.name}" (id ${issued.credential.id}) for ${scope}.`);
    console.log("Send it as `Authorization: Bearer <key>`. It is shown only now:");
    console.log(issued.secret);
  } finally {
    await orm.close(true);
  }
}

async function emitSchema(): Promise<void> {
  writeFileSync(SCHEMA_FILE, await printGraphSchema());
  console.log(`Wrote ${SCHEMA_FILE}`);
}

/** Where the data lives, for the start-up banner: never the URL's password. */
function describeDatabase(config: ReturnType<typeof loadConfig>): string {
  if (config.database.kind === "sqlite") return `from SQLite file ${config.database.path}`;
  const url = new URL(config.database.url);
  return `from PostgreSQL database ${decodeURIComponent(url.pathname.slice(1)) || "(default)"} on ${url.hostname}:${url.port || "5432"}`;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "serve") return serve();
  if (command === "migrate") return migrate();
  if (command === "api-key" && rest[0] === "create") return createKey(rest.slice(1));
  if (command === "schema:emit") return emitSchema();
  if (command === "access-review") return accessReviewCommand(rest);
  console.error(USAGE);
  process.exitCode = command ? 2 : 0;
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`idgraph: ${error.message}`);
  process.exit(1);
});
