/**
 * Environment → one typed Config object. This is the only module that reads process.env.
 */
export type DatabaseConfig =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string };

export interface Config {
  host: string;
  port: number;
  database: DatabaseConfig;
  logLevel: string;
  /** Query depth and cost ceilings for GraphQL operations. */
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
}

export const DEFAULT_SQLITE_PATH = "data/idgraph.sqlite";

/** `DATABASE_URL` is a SQLite path (`data/x.sqlite`, `sqlite:data/x.sqlite`, `file:…`) or a postgres URL. */
export function parseDatabaseUrl(url: string | undefined): DatabaseConfig {
  if (!url) return { kind: "sqlite", path: DEFAULT_SQLITE_PATH };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  const path = url.replace(/^sqlite:(\/\/)?/, "").replace(/^file:(\/\/)?/, "");
  if (!path) throw new Error(`DATABASE_URL "${url}" names no SQLite file`);
  return { kind: "sqlite", path };
}

function intFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: env.HOST || "127.0.0.1",
    port: intFromEnv("PORT", 4000, env),
    database: parseDatabaseUrl(env.DATABASE_URL),
    logLevel: env.LOG_LEVEL || "info",
    graphqlMaxDepth: intFromEnv("GRAPHQL_MAX_DEPTH", 12, env),
    graphqlMaxComplexity: intFromEnv("GRAPHQL_MAX_COMPLEXITY", 20000, env),
  };
}
