/**
 * Environment → one typed Config object. This is the only module that reads process.env.
 */
export type DatabaseConfig =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string; /** Connections per process (DATABASE_POOL_SIZE); store/orm.ts has the default. */ poolSize?: number };

export interface Config {
  host: string;
  port: number;
  /**
   * The server's URL as clients reach it (PUBLIC_URL, e.g. `https://idgraph.example.com`), behind
   * a proxy or load balancer: SCIM's `meta.location`, `Location` and `$ref` are made from it, not
   * from the request's Host header and scheme. Null: from the request.
   */
  publicUrl: string | null;
  database: DatabaseConfig;
  logLevel: string;
  /** Ceilings on one GraphQL document (see GRAPHQL_LIMIT_DEFAULTS). */
  graphqlMaxDepth: number;
  graphqlMaxComplexity: number;
  graphqlMaxAliases: number;
  graphqlMaxDirectives: number;
  graphqlMaxTokens: number;
  /** Membership changes per second an organization may make, and its burst, unless it sets its own (see RATE_LIMIT_DEFAULTS). */
  membershipRatePerSecond: number;
  membershipBurst: number;
  /** Requests per second one credential (API key or SCIM token) may send to one process, and its burst; 0 turns the limit off. */
  credentialRatePerSecond: number;
  credentialBurst: number;
  /** Prometheus text at /metrics (METRICS_ENABLED=true); with a token, /metrics asks for `Authorization: Bearer <token>`. */
  metricsEnabled: boolean;
  metricsToken: string | null;
  /** How long SIGTERM waits for in-flight requests and queued writes before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Events and webhooks (see EVENT_DEFAULTS). */
  events: EventConfig;
}

export interface EventConfig {
  /** How long events (the feed and the audit log) are kept. */
  retentionDays: number;
  /** Whether this process delivers webhooks (every process may; they share the work). */
  dispatch: boolean;
  /** How often an idle dispatcher looks for other processes' events and retries that fell due. */
  pollMs: number;
  /** Deliveries in flight at once, per process. */
  concurrency: number;
  /** WEBHOOK_SECRET_KEY as given (32 bytes, base64 or hex), sealing signing secrets; null when unset. */
  secretKey: string | null;
  /** Lets endpoints target loopback, private, link-local and metadata addresses (development and tests only). */
  allowPrivateNetworks: boolean;
  /** Lets endpoints use http:// instead of https:// (development and tests only). */
  allowHttp: boolean;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** Back-off: the first retry's delay, the longest delay, and how long a delivery is retried. */
  retryBaseMs: number;
  retryMaxMs: number;
  retryWindowHours: number;
  /** Failed attempts in a row after which an endpoint is disabled. */
  disableAfterFailures: number;
}

/**
 * Events and webhooks. Retention as WorkOS keeps its events (30 days); retries for three days with
 * back-off up to an hour, as Stripe retries; an endpoint failing 50 attempts in a row (about a day
 * of retries of one delivery, or a burst of deliveries all failing) is disabled until an admin
 * enables it again.
 */
export const EVENT_DEFAULTS = {
  retentionDays: 30,
  pollMs: 1_000,
  concurrency: 256,
  connectTimeoutMs: 5_000,
  responseTimeoutMs: 15_000,
  retryBaseMs: 5_000,
  retryMaxMs: 3_600_000,
  retryWindowHours: 72,
  disableAfterFailures: 50,
} as const;

/**
 * Rate limits. Membership changes follow Stripe's promise (100 per second per organization,
 * bursts of 500), counted per member changed and shared by every process through the database.
 * The per-credential request limit is kept in each process's memory (a counter in the database
 * would be a write on every read): behind N processes a credential gets up to N times it.
 */
export const RATE_LIMIT_DEFAULTS = {
  membershipRatePerSecond: 100,
  membershipBurst: 500,
  credentialRatePerSecond: 1_000,
  credentialBurst: 2_000,
} as const;

/** Under Kubernetes' default 30 s grace period, so the process exits on its own before SIGKILL. */
export const SHUTDOWN_TIMEOUT_DEFAULT_MS = 25_000;

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

/** DATABASE_POOL_SIZE sizes a PostgreSQL pool; SQLite's connections are fixed (one writer, three readers). */
function withPoolSize(database: DatabaseConfig, env: NodeJS.ProcessEnv): DatabaseConfig {
  if (database.kind !== "postgres" || !env.DATABASE_POOL_SIZE) return database;
  const poolSize = intFromEnv("DATABASE_POOL_SIZE", 0, env);
  if (poolSize < 3) throw new Error("DATABASE_POOL_SIZE must be at least 3 (one for the store's reads, two for transactions and the reads beside them)");
  return { ...database, poolSize };
}

/** PUBLIC_URL: an absolute http(s) URL with no query or fragment; kept without a trailing slash. */
function publicUrlFromEnv(env: NodeJS.ProcessEnv): string | null {
  const raw = env.PUBLIC_URL?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`PUBLIC_URL must be an absolute URL such as https://idgraph.example.com, got "${raw}"`);
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash || url.username || url.password) {
    throw new Error(`PUBLIC_URL must be an http(s) URL with no query, fragment or credentials, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, "");
}

function booleanFromEnv(name: string, env: NodeJS.ProcessEnv): boolean {
  const raw = (env[name] ?? "").toLowerCase();
  if (raw === "" || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1") return true;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: env.HOST || "127.0.0.1",
    port: intFromEnv("PORT", 4000, env),
    publicUrl: publicUrlFromEnv(env),
    database: withPoolSize(parseDatabaseUrl(env.DATABASE_URL), env),
    logLevel: env.LOG_LEVEL || "info",
    graphqlMaxDepth: intFromEnv("GRAPHQL_MAX_DEPTH", GRAPHQL_LIMIT_DEFAULTS.maxDepth, env),
    graphqlMaxComplexity: intFromEnv("GRAPHQL_MAX_COMPLEXITY", GRAPHQL_LIMIT_DEFAULTS.maxComplexity, env),
    graphqlMaxAliases: intFromEnv("GRAPHQL_MAX_ALIASES", GRAPHQL_LIMIT_DEFAULTS.maxAliases, env),
    graphqlMaxDirectives: intFromEnv("GRAPHQL_MAX_DIRECTIVES", GRAPHQL_LIMIT_DEFAULTS.maxDirectives, env),
    graphqlMaxTokens: intFromEnv("GRAPHQL_MAX_TOKENS", GRAPHQL_LIMIT_DEFAULTS.maxTokens, env),
    membershipRatePerSecond: intFromEnv("MEMBERSHIP_RATE_PER_SECOND", RATE_LIMIT_DEFAULTS.membershipRatePerSecond, env),
    membershipBurst: intFromEnv("MEMBERSHIP_BURST", RATE_LIMIT_DEFAULTS.membershipBurst, env),
    credentialRatePerSecond: intFromEnv("CREDENTIAL_RATE_PER_SECOND", RATE_LIMIT_DEFAULTS.credentialRatePerSecond, env),
    credentialBurst: intFromEnv("CREDENTIAL_BURST", RATE_LIMIT_DEFAULTS.credentialBurst, env),
    metricsEnabled: booleanFromEnv("METRICS_ENABLED", env),
    metricsToken: env.METRICS_TOKEN || null,
    shutdownTimeoutMs: intFromEnv("SHUTDOWN_TIMEOUT_MS", SHUTDOWN_TIMEOUT_DEFAULT_MS, env),
    events: loadEventConfig(env),
  };
}

function loadEventConfig(env: NodeJS.ProcessEnv): EventConfig {
  const events: EventConfig = {
    retentionDays: intFromEnv("EVENT_RETENTION_DAYS", EVENT_DEFAULTS.retentionDays, env),
    dispatch: env.WEBHOOK_DISPATCH === undefined || env.WEBHOOK_DISPATCH === "" ? true : booleanFromEnv("WEBHOOK_DISPATCH", env),
    pollMs: intFromEnv("WEBHOOK_POLL_MS", EVENT_DEFAULTS.pollMs, env),
    concurrency: intFromEnv("WEBHOOK_CONCURRENCY", EVENT_DEFAULTS.concurrency, env),
    secretKey: env.WEBHOOK_SECRET_KEY || null,
    allowPrivateNetworks: booleanFromEnv("WEBHOOK_ALLOW_PRIVATE_NETWORKS", env),
    allowHttp: booleanFromEnv("WEBHOOK_ALLOW_HTTP", env),
    connectTimeoutMs: intFromEnv("WEBHOOK_CONNECT_TIMEOUT_MS", EVENT_DEFAULTS.connectTimeoutMs, env),
    responseTimeoutMs: intFromEnv("WEBHOOK_RESPONSE_TIMEOUT_MS", EVENT_DEFAULTS.responseTimeoutMs, env),
    retryBaseMs: intFromEnv("WEBHOOK_RETRY_BASE_MS", EVENT_DEFAULTS.retryBaseMs, env),
    retryMaxMs: intFromEnv("WEBHOOK_RETRY_MAX_MS", EVENT_DEFAULTS.retryMaxMs, env),
    retryWindowHours: intFromEnv("WEBHOOK_RETRY_WINDOW_HOURS", EVENT_DEFAULTS.retryWindowHours, env),
    disableAfterFailures: intFromEnv("WEBHOOK_DISABLE_AFTER_FAILURES", EVENT_DEFAULTS.disableAfterFailures, env),
  };
  if (events.retentionDays < 1) throw new Error("EVENT_RETENTION_DAYS must be at least 1");
  if (events.pollMs < 10) throw new Error("WEBHOOK_POLL_MS must be at least 10");
  if (events.concurrency < 1) throw new Error("WEBHOOK_CONCURRENCY must be at least 1");
  if (events.retryBaseMs < 1 || events.retryMaxMs < events.retryBaseMs) throw new Error("WEBHOOK_RETRY_BASE_MS must be at least 1 and at most WEBHOOK_RETRY_MAX_MS");
  if (events.disableAfterFailures < 1) throw new Error("WEBHOOK_DISABLE_AFTER_FAILURES must be at least 1");
  return events;
}
