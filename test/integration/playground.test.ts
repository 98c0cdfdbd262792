import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, validate, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { getVariableValues } from "graphql/execution/values";
import { buildGraphSchema } from "../../src/graph/schema";
import { PLAYGROUND_EXAMPLES, PLAYGROUND_PATH } from "../../src/server/playground";
import { startTestServer, type TestServer } from "../helpers/server";

/** The files the page must load, as found in node_modules (their exports maps hide them from require.resolve). */
const EXPECTED_ASSETS = [
  { prefix: "react.", file: join(dirname(require.resolve("react/package.json")), "umd/react.production.min.js"), type: "text/javascript; charset=utf-8" },
  { prefix: "react-dom.", file: join(dirname(require.resolve("react-dom/package.json")), "umd/react-dom.production.min.js"), type: "text/javascript; charset=utf-8" },
  { prefix: "graphiql.", file: join(dirname(require.resolve("graphiql/package.json")), "dist/index.umd.js"), type: "text/javascript; charset=utf-8", ext: ".js" },
  { prefix: "graphiql.", file: join(dirname(require.resolve("graphiql/package.json")), "dist/style.css"), type: "text/css; charset=utf-8", ext: ".css" },
  { prefix: "graphql-ws.", file: join(dirname(require.resolve("graphql-ws/package.json")), "umd/graphql-ws.min.js"), type: "text/javascript; charset=utf-8" },
];

const sha256 = (data: Buffer | string, encoding: "hex" | "base64" = "hex") => createHash("sha256").update(data).digest(encoding);

describe("playground over HTTP", () => {
  let server: TestServer;
  let schema: GraphQLSchema;
  let html: string;
  let pageHeaders: Headers;

  beforeAll(async () => {
    server = await startTestServer();
    schema = await buildGraphSchema();
    const response = await fetch(`${server.url}${PLAYGROUND_PATH}`);
    expect(response.status).toBe(200);
    pageHeaders = response.headers;
    html = await response.text();
  });
  afterAll(async () => { await server?.close(); });

  const assetUrls = () => [...html.matchAll(/<(?:script[^>]* src|link[^>]* href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => !u.startsWith("data:"));

  it("serves the page as UTF-8 HTML with a strict CSP", async () => {
    expect(pageHeaders.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain("▶"); // a non-ASCII character of the examples survives the round trip
    expect(pageHeaders.get("x-content-type-options")).toBe("nosniff");
    expect(pageHeaders.get("cache-control")).toBe("no-cache");

    const csp = Object.fromEntries((pageHeaders.get("content-security-policy") ?? "").split(";").map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values];
    }));
    expect(csp["default-src"]).toEqual(["'none'"]);
    expect(csp["connect-src"]).toEqual(["'self'"]);
    expect(csp["frame-ancestors"]).toEqual(["'none'"]);
    // Scripts: this origin plus exactly the page's one inline script, by hash; never 'unsafe-inline' or eval.
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(inline).toHaveLength(1);
    expect(csp["script-src"]).toEqual(["'self'", `'sha256-${sha256(inline[0], "base64")}'`]);

    // A trailing slash serves the same page; an unchanged page answers 304 to its ETag.
    expect((await fetch(`${server.url}${PLAYGROUND_PATH}/`)).status).toBe(200);
    const etag = pageHeaders.get("etag") ?? "";
    expect(etag).not.toBe("");
    expect((await fetch(`${server.url}${PLAYGROUND_PATH}`, { headers: { "if-none-match": etag } })).status).toBe(304);
  });

  it("references only its own assets, never another host", () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/(src|href)="\/\//); // protocol-relative URLs would leave the origin too
    const urls = assetUrls();
    expect(urls).toHaveLength(EXPECTED_ASSETS.length);
    for (const url of urls) expect(url).toMatch(new RegExp(`^${PLAYGROUND_PATH}/assets/[a-z-]+\\.[0-9a-f]{16}\\.(js|css)$`));
    // The GraphQL endpoint the page's fetcher calls is the same-origin path.
    expect(JSON.parse(html.match(/<script id="playground-config" type="application\/json">([\s\S]*?)<\/script>/)![1]).graphqlPath).toBe("/graphql");
  });

  it("serves each asset from node_modules with its content type and long-lived caching", async () => {
    const urls = assetUrls();
    for (const expected of EXPECTED_ASSETS) {
      const url = urls.find((u) => u.split("/").pop()!.startsWith(expected.prefix) && u.endsWith(expected.ext ?? ".js"));
      expect(url).toBeDefined();
      const response = await fetch(`${server.url}${url}`, { headers: { "accept-encoding": "identity" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(expected.type);
      expect(response.headers.get("content-encoding")).toBeNull();
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      const body = Buffer.from(await response.arrayBuffer());
      expect(sha256(body)).toBe(sha256(readFileSync(expected.file)));
      expect(url).toContain(sha256(body).slice(0, 16)); // the name changes whenever the content does

      const etag = response.headers.get("etag")!;
      expect((await fetch(`${server.url}${url}`, { headers: { "if-none-match": etag } })).status).toBe(304);
      // Compressed when the client accepts it (fetch decompresses transparently).
      const gzipped = await fetch(`${server.url}${url}`, { headers: { "accept-encoding": "gzip" } });
      expect(gzipped.headers.get("content-encoding")).toBe("gzip");
      expect(sha256(Buffer.from(await gzipped.arrayBuffer()))).toBe(sha256(body));
    }
  });

  it("answers 404 for anything outside the allow-list", async () => {
    const graphiqlName = assetUrls().find((u) => u.includes("/graphiql."))!.split("/").pop()!;
    const paths = [
      "/assets/nope.js",
      "/assets/graphiql.js", // the unhashed name
      `/assets/${graphiqlName}.map`,
      "/assets/..%2F..%2Fpackage.json",
      "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/assets/..%5C..%5Cpackage.json",
      "/assets/",
      "/assets/react/umd/react.production.min.js",
      "/node_modules/react/package.json",
      "/style.css",
    ];
    for (const path of paths) {
      const response = await fetch(`${server.url}${PLAYGROUND_PATH}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(await response.text()).not.toContain('"name"'); // no package.json leaked
    }
  });

  it("embeds the examples, which parse and validate against the schema", () => {
    const config = JSON.parse(html.match(/<script id="playground-config" type="application\/json">([\s\S]*?)<\/script>/)![1]);
    expect(config.examples).toEqual(PLAYGROUND_EXAMPLES.map((e) => (e.variables ? { query: e.query, variables: JSON.stringify(e.variables, null, 2) } : { query: e.query })));

    const rootFields = new Set<string>();
    for (const example of PLAYGROUND_EXAMPLES) {
      const document = parse(example.query);
      expect({ query: example.query, errors: validate(schema, document).map((e) => e.message) }).toEqual({ query: example.query, errors: [] });
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === "OperationDefinition")!;
      expect(operation.name).toBeDefined(); // GraphiQL titles each tab with the operation's name
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], example.variables ?? {});
      expect({ query: example.query, errors: (coerced.errors ?? []).map((e) => e.message) }).toEqual({ query: example.query, errors: [] });
      for (const selection of operation.selectionSet.selections) if (selection.kind === "Field") rootFields.add(selection.name.value);
    }
    expect([...rootFields].sort()).toEqual(
      ["addGroupMember", "bindRole", "can", "canBatch", "createAccount", "createGroup", "createOrganization", "createRole",
        "createScimToken", "createUser", "directoryEvents", "effectiveAccess", "events", "setRoleMapping", "viewer",
        "whoCan", "whereCan", "accessMap", "whyNot", "whatIf"].sort(),
    );
  });

  it("runs every example in order against the server, the ids of each step feeding the next", async () => {
    const ids: Record<string, string> = {};
    const fills: Record<string, string> = {
      createOrganization: "ORGANIZATION_ID", createAccount: "ACCOUNT_ID", createRole: "ROLE_ID", createUser: "USER_ID", createGroup: "GROUP_ID",
    };
    const substitute = (value: unknown): unknown => {
      if (typeof value === "string") return value in ids ? ids[value] : value;
      if (Array.isArray(value)) return value.map(substitute);
      if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
      return value;
    };
    const results: Record<string, any> = {};
    // Subscriptions run over graphql-ws, not HTTP: the browser test runs that tab.
    for (const example of PLAYGROUND_EXAMPLES.filter((e) => !/^subscription /m.test(e.query))) {
      const data = await server.ok(example.query, substitute(example.variables ?? {}) as Record<string, unknown>);
      for (const [field, value] of Object.entries(data)) {
        results[field] = value;
        if (fills[field]) ids[fills[field]] = (value as { id: string }).id;
      }
    }
    expect(results.viewer).toMatchObject({ kind: "api_key", canWrite: true });
    expect(results.createScimToken.secret).toEqual(expect.any(String));
    // The group binding and the IdP mapping both grant the role; the checks follow from its permissions.
    expect(results.effectiveAccess.permissions).toEqual(["payments.*", "reports.read"]);
    expect(results.effectiveAccess.roles).toHaveLength(1);
    expect(results.effectiveAccess.roles[0].key).toBe("payments-admin");
    expect(results.effectiveAccess.roles[0].grants.map((g: { kind: string }) => g.kind).sort()).toEqual(["GROUP", "MAPPING"]);
    expect(results.can).toBe(true);
    expect(results.canBatch).toEqual([true, true, false]);
    // The questions the other way round agree: Ada is the one who can, on the one account; users.delete no role carries.
    expect(results.whoCan.nodes.map((n: { user: { userName: string } }) => n.user.userName)).toEqual(["ada@acme.example"]);
    expect(results.whereCan.totalCount).toBe(1);
    expect(results.accessMap.accounts.nodes[0].permissions).toEqual(["payments.*", "reports.read"]);
    expect(results.whyNot).toMatchObject({ allowed: false, rolesWithPermission: [], options: [] });
    // Deactivating Ada would take her one role away everywhere; the dry run wrote nothing (no user.update in the feed).
    expect(results.whatIf.affectedUsers).toBe(1);
    expect(results.whatIf.changes.nodes[0].accounts).toEqual([{ account: null, gained: [], lost: [{ key: "payments-admin" }] }]);
    expect(results.events.edges.map((e: { node: { type: string } }) => e.node.type)).not.toContain("user.update");
    expect(results.events.edges.map((e: { node: { type: string } }) => e.node.type)).toContain("role_binding.create");
  });
});
