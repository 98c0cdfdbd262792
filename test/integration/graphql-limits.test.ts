import { GRAPHQL_LIMIT_DEFAULTS, loadConfig } from "../../src/config";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * Hostile documents from the security review (issue 10): each is refused with a 400 before any
 * resolver runs, in well under a second, while other requests keep being answered. The limits
 * are the defaults (GRAPHQL_LIMIT_DEFAULTS).
 */
describe("GraphQL limits: no request can stall the server", () => {
  let server: TestServer;
  let organizationId: string;
  let readerKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    organizationId = await fixtures(server).organization("Acme");
    readerKey = await server.createKey("READER", organizationId);
  });
  afterAll(async () => server.close());

  /** POSTs a raw body: JSON.stringify itself overflows on the deepest values these tests send. */
  const post = async (body: string, contentType = "application/json", key: string = server.adminKey) => {
    const response = await fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": contentType, authorization: `Bearer ${key}` }, body });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const timed = async <T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> => {
    const started = performance.now();
    const result = await work();
    return { result, ms: performance.now() - started };
  };
  const nested = (levels: number, open: string, close: string, inner: string) => open.repeat(levels) + inner + close.repeat(levels);
  const VIEWER = `{ viewer { id kind } }`;

  it("refuses 29 fragments each spreading the previous one twice (2^29 spreads) at once, answering other queries meanwhile", async () => {
    let fragments = "fragment F0 on Viewer { id kind }\n";
    for (let i = 1; i <= 29; i += 1) fragments += `fragment F${i} on Viewer { ...F${i - 1} ...F${i - 1} }\n`;
    const fanOut = `{ viewer { ...F29 } }\n${fragments}`;
    expect(fanOut.length).toBeLessThan(1500);

    const [hostile, meanwhile] = await Promise.all([
      timed(() => server.gql(fanOut, {}, readerKey)),
      timed(() => server.gql(VIEWER, {}, readerKey)),
    ]);
    expect(hostile.result.status).toBe(400);
    expect(hostile.result.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(hostile.result.errors?.[0].message).toMatch(/too complex/);
    expect(hostile.ms).toBeLessThan(2000);
    expect(meanwhile.result.status).toBe(200);
    expect(meanwhile.ms).toBeLessThan(2000);
    const after = await server.gql(VIEWER, {}, readerKey);
    expect(after.errors).toBeUndefined();
    expect(after.data?.viewer).toEqual({ id: expect.any(String), kind: "api_key" });
  });

  it("refuses a fragment cycle as a validation error, not a stack overflow", async () => {
    const cycle = await server.gql(`{ viewer { ...A } } fragment A on Viewer { id ...B } fragment B on Viewer { kind ...A }`, {}, readerKey);
    expect(cycle.status).toBe(400);
    expect(cycle.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(cycle.errors?.[0].message).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it("refuses a chain of 2,400 fragments each spreading the next before validation recurses along it", async () => {
    let fragments = "fragment F0 on Viewer { id }\n";
    for (let i = 1; i <= 2400; i += 1) fragments += `fragment F${i} on Viewer { ...F${i - 1} }\n`;
    const chain = await server.gql(`{ viewer { ...F2400 } }\n${fragments}`, {}, readerKey);
    expect(chain.status).toBe(400);
    expect(chain.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(chain.errors?.[0].message).toMatch(/nests selections and fragment spreads more than 100 levels deep/);
  });

  it("refuses 5,000 aliases of one field by the alias limit, and a longer document by the token limit", async () => {
    const aliases = (each: (i: number) => string) => Array.from({ length: 5000 }, (_, i) => each(i)).join(" ");
    const { result: byAliases, ms } = await timed(() => server.gql(`{ viewer { ${aliases((i) => `a${i}: id`)} } }`, {}, readerKey));
    expect(byAliases.status).toBe(400);
    expect(byAliases.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(byAliases.errors?.[0].message).toMatch(/exceeds maximum of 30 aliases \(it has 5000/);
    expect(ms).toBeLessThan(2000);
    // 6 tokens an alias: 30,000 tokens, over the 20,000 the parser reads.
    const byTokens = await server.gql(`{ ${aliases((i) => `a${i}: viewer { id }`)} }`, {}, readerKey);
    expect(byTokens.status).toBe(400);
    expect(byTokens.errors?.[0].extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(byTokens.errors?.[0].message).toMatch(/more that 20000 tokens/);
  });

  it("counts directives over the expanded fragments", async () => {
    let fragments = "fragment D0 on Viewer { id @include(if: true) }\n";
    for (let i = 1; i <= 6; i += 1) fragments += `fragment D${i} on Viewer { ...D${i - 1} ...D${i - 1} }\n`;
    const directives = await server.gql(`{ viewer { ...D6 } }\n${fragments}`, {}, readerKey);
    expect(directives.status).toBe(400);
    expect(directives.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(directives.errors?.[0].message).toMatch(/exceeds maximum of 50 directives \(it has 64/);
  });

  it("refuses a JSON variable nested 5,000 deep as bad user input, before the command runs", async () => {
    const query = `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`;
    const enterprise = nested(5000, `{"a":`, "}", "1");
    const body = `{"query":${JSON.stringify(query)},"variables":{"input":{"organizationId":"${organizationId}","userName":"deep@acme.test","enterprise":${enterprise}}}}`;
    const deep = await post(body);
    expect(deep.status).toBe(400);
    expect(deep.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(deep.body.errors[0].message).toMatch(/nests deeper than 32 levels/);
    expect(deep.body.data).toBeUndefined();
  });

  it("refuses a JSON literal nested 1,000 or 5,000 deep without a 500", async () => {
    const literal = (levels: number) => `mutation { createUser(input: { organizationId: "${organizationId}", userName: "literal${levels}@acme.test",
      enterprise: ${nested(levels, "{a: ", "}", "1")} }) { id } }`;
    const thousand = await server.gql(literal(1000));
    expect(thousand.status).toBe(400);
    expect(thousand.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(thousand.errors?.[0].message).toMatch(/nests deeper than 32 levels/);
    // Refused while parsing: deeper than the parser recurses, and over 20,000 tokens.
    const fiveThousand = await server.gql(literal(5000));
    expect(fiveThousand.status).toBe(400);
    expect(fiveThousand.errors?.[0].extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("answers a client's protocol mistakes with their own code, never INTERNAL_SERVER_ERROR: a subscription over HTTP, a persisted query's wrong sha256", async () => {
    const subscription = await server.gql(`subscription($o: ID!) { directoryEvents(organizationId: $o) { id } }`, { o: organizationId });
    expect([subscription.status, subscription.errors?.[0].extensions?.code]).toEqual([400, "BAD_REQUEST"]);
    expect(subscription.errors?.[0].message).toContain("/graphql/ws");
    const mismatch = await post(JSON.stringify({ query: "{ viewer { id } }", extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }));
    expect([mismatch.status, mismatch.body.errors[0].extensions.code, mismatch.body.errors[0].message]).toEqual([400, "BAD_REQUEST", "provided sha does not match query"]);
  });

  it("refuses a \"__proto__\" key in a JSON literal, nested or not, and stores nothing", async () => {
    for (const [name, enterprise] of [["top", "{__proto__: {a: 1}}"], ["nested", '{department: "x", extra: [{__proto__: {polluted: true}}]}']]) {
      const result = await server.gql(`mutation { createUser(input: { organizationId: "${organizationId}", userName: "proto-${name}@acme.test", enterprise: ${enterprise} }) { id } }`);
      expect([name, result.data?.createUser ?? null, result.errors?.[0].message]).toEqual([name, null, expect.stringContaining('"__proto__"')]);
    }
    const stored = await server.ok(`query($o: ID!) { users(organizationId: $o, filter: {userName: "proto-top@acme.test"}) { totalCount } }`, { o: organizationId });
    expect(stored.users.totalCount).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers a document nesting deeper than the parser's stack as a parse error that says so", async () => {
    // 6,000 lists deep is 12,000 tokens, within the limit, but twice as deep as graphql-js's parser can recurse.
    const lists = await server.gql(`{ organizations(first: ${nested(6000, "[", "]", "1")}) { totalCount } }`, {}, readerKey);
    expect(lists.status).toBe(400);
    expect(lists.errors?.[0].extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(lists.errors?.[0].message).toMatch(/nests too deeply/);
  });

  it("answers bodies that are not a GraphQL request in GraphQL's error shape, never a 500", async () => {
    const malformed = await post(`{"query": `);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: "BAD_REQUEST" } }] });
    const unsupported = await post("<query/>", "application/xml");
    expect(unsupported.status).toBe(415);
    expect(unsupported.body.errors[0].extensions.code).toBe("BAD_REQUEST");
    for (const notAnObject of ["42", `"query"`, "null", "[1]"]) {
      const answer = await post(notAnObject);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].extensions.code).toBe("BAD_REQUEST");
    }
    const deepArray = await post(nested(10_000, "[", "]", "1"));
    expect(deepArray.status).toBe(400);
    expect(deepArray.body.errors[0].extensions.code).toBe("BAD_REQUEST");
    const deepVariables = await post(`{"query":"{ viewer { kind } }","variables":{"unused":${nested(10_000, `{"a":`, "}", "1")}}}`);
    expect(deepVariables.status).toBe(200);
    expect(deepVariables.body.data).toEqual({ viewer: { kind: "api_key" } });
  });

  it("reads every limit from the environment", () => {
    const config = loadConfig({ GRAPHQL_MAX_DEPTH: "8", GRAPHQL_MAX_COMPLEXITY: "500", GRAPHQL_MAX_ALIASES: "3", GRAPHQL_MAX_DIRECTIVES: "4", GRAPHQL_MAX_TOKENS: "900" });
    expect(config).toMatchObject({ graphqlMaxDepth: 8, graphqlMaxComplexity: 500, graphqlMaxAliases: 3, graphqlMaxDirectives: 4, graphqlMaxTokens: 900 });
    expect(loadConfig({})).toMatchObject({
      graphqlMaxDepth: GRAPHQL_LIMIT_DEFAULTS.maxDepth,
      graphqlMaxComplexity: GRAPHQL_LIMIT_DEFAULTS.maxComplexity,
      graphqlMaxAliases: GRAPHQL_LIMIT_DEFAULTS.maxAliases,
      graphqlMaxDirectives: GRAPHQL_LIMIT_DEFAULTS.maxDirectives,
      graphqlMaxTokens: GRAPHQL_LIMIT_DEFAULTS.maxTokens,
    });
  });
});
