import type { AddressInfo } from "node:net";
import { loadConfig, type Config, type EventConfig } from "../../src/config";
import { CLI_ACTOR } from "../../src/domain/actor";
import type { Clock } from "../../src/domain/clock";
import { createApiKey } from "../../src/domain/commands/credentials";
import { buildApp, type BuiltApp } from "../../src/server/app";
import { createTestDatabase, type TestDatabase } from "./database";

export interface GraphResponse<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown>; path?: string[] }>;
}

/** A running idgraph as a test speaks to it: its URL, an admin key, and GraphQL over HTTP. */
export interface ServerEndpoint {
  url: string;
  /** A global ADMIN API key. */
  adminKey: string;
  /** POSTs a GraphQL operation over HTTP; `key` null sends no Authorization header. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GraphResponse<T>>;
  /** Like gql, but fails the test on any GraphQL error and returns data. */
  ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string): Promise<T>;
}

/** GraphQL over HTTP to the server at `url`, as `adminKey` unless a call names another key. */
export function serverEndpoint(url: string, adminKey: string): ServerEndpoint {
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, key: string | null = adminKey): Promise<GraphResponse<T>> => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    const response = await fetch(`${url}/graphql`, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: T | null; errors?: GraphResponse["errors"] };
    return { status: response.status, data: body.data ?? null, errors: body.errors };
  };
  const ok = async <T>(query: string, variables: Record<string, unknown> = {}, key: string = adminKey): Promise<T> => {
    const result = await gql<T>(query, variables, key);
    if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data as T;
  };
  return { url, adminKey, gql, ok };
}

export interface TestServer extends ServerEndpoint {
  built: BuiltApp;
  /** The database it runs on (SQLite file or PostgreSQL database), removed by close() unless it was given. */
  database: TestDatabase;
  createKey(role: "ADMIN" | "READER", organizationId?: string): Promise<string>;
  /** Runs `work` and returns how many SQL statements the server issued meanwhile. */
  countQueries(work: () => Promise<unknown>): Promise<number>;
  /** Runs `work` and returns the SQL statements the server issued meanwhile. */
  captureQueries(work: () => Promise<unknown>): Promise<string[]>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** What authentication reads as now; a TestClock lets a test move past a token's expiry without sleeping. */
  clock?: Clock;
  /**
   * Settings over loadConfig's defaults, e.g. low rate limits. The webhook dispatcher is off unless
   * `events.dispatch` turns it on: its rounds would add statements to the tests that count them.
   */
  config?: Partial<Omit<Config, "database" | "port" | "events">> & { events?: Partial<EventConfig> };
  /** A database another test server already runs on (a second process of a fleet, in this one); left in place by close(). */
  database?: TestDatabase;
  /** Users the access review export reads per page (BuildOptions.accessReviewPageSize). */
  accessReviewPageSize?: number;
}

/**
 * Starts the real server on a fresh database of the kind under test (a temporary SQLite file, or
 * a new PostgreSQL database: test/helpers/database.ts), listening on 127.0.0.1 with a random port.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const statements: string[] = [];
  const database = options.database ?? (await createTestDatabase());
  const defaults = loadConfig({});
  const events = { ...defaults.events, dispatch: false, ...options.config?.events };
  const config = { ...defaults, ...options.config, events, database: database.config, port: 0 };
  const built = await buildApp(config, { logger: false, clock: options.clock, accessReviewPageSize: options.accessReviewPageSize, onQuery: (message) => { statements.push(message.replace(/^\[query\]\s*/, "")); } });
  await built.app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = built.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const createKey = async (role: "ADMIN" | "READER", organizationId?: string) =>
    (await createApiKey({ em: built.orm.em.fork(), actor: CLI_ACTOR }, { name: `test-${role}`, role, organizationId: organizationId ?? null })).secret;
  const adminKey = await createKey("ADMIN");

  return {
    ...serverEndpoint(url, adminKey), built, database, createKey,
    async countQueries(work) {
      const before = statements.length;
      await work();
      return statements.length - before;
    },
    async captureQueries(work) {
      const before = statements.length;
      await work();
      return statements.slice(before);
    },
    async close() {
      await built.close();
      if (!options.database) await database.dispose();
    },
  };
}

/**
 * Every request reads its credential's row first (domain/authenticate.ts: never cached, so a
 * revocation reaches every process at once). Checks that read and returns the statements after it.
 */
export function afterCredentialRead(statements: string[]): string[] {
  expect(statements[0]).toMatch(/ from (api_key|scim_token) /);
  return statements.slice(1);
}
