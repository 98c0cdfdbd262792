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
  /** Ceilings on one GraphQL document (see GRAPHQL_LIMIT_DEFAULTS). */
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  graphqlMaxAliases: number;
  graphqlMaxDirectives: number;
  graphqlMaxTokens: number;
}

/**
 * Ceilings on one GraphQL document, each checked in time linear in the document (fragments are
 * measured once, however often they are spread), before any resolver runs:
 * - depth: levels of fields, `{ viewer { id } }` is 2; introspection's `__schema` is not counted;
 * - complexity: estimated cost, list fields cost their page size times their children;
 * - aliases and directives: counted over the operation with its fragments expanded;
 * - tokens: lexical tokens of the document, refused while parsing. Big enough for 5,000 short
 *   aliases (`a1: id`, 3 tokens each) to reach the alias limit and be refused by name; GraphiQL's
 *   introspection query is under 200.
 */
export const GRAPHQL_LIMIT_DEFAULTS = {
  maxDepth: 12,
  maxComplexity: 20_000,
  maxAliases: 30,
  maxDirectives: 50,
  maxTokens: 20_000,
} as const;

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
    graphqlMaxDepth: intFromEnv("GRAPHQL_MAX_DEPTH", GRAPHQL_LIMIT_DEFAULTS.maxDepth, env),
    graphqlMaxComplexity: intFromEnv("GRAPHQL_MAX_COMPLEXITY", GRAPHQL_LIMIT_DEFAULTS.maxComplexity, env),
    graphqlMaxAliases: intFromEnv("GRAPHQL_MAX_ALIASES", GRAPHQL_LIMIT_DEFAULTS.maxAliases, env),
    graphqlMaxDirectives: intFromEnv("GRAPHQL_MAX_DIRECTIVES", GRAPHQL_LIMIT_DEFAULTS.maxDirectives, env),
    graphqlMaxTokens: intFromEnv("GRAPHQL_MAX_TOKENS", GRAPHQL_LIMIT_DEFAULTS.maxTokens, env),
  };
}
