import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

const SUBSCRIBE = `subscription($o: ID!, $types: [String!]) {
  directoryEvents(organizationId: $o, types: $types) { id position type targetId data }
}`;

/** A graphql-ws client of the server, sending `key` as a client would. */
function client(server: TestServer, key: string | null): Client {
  return createClient({
    url: `${server.url.replace(/^http/, "ws")}/graphql/ws`,
    webSocketImpl: WebSocket,
    connectionParams: key === null ? {} : { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collects what a subscription receives until `count` events came (or it ends or fails). */
function collect(ws: Client, variables: Record<string, unknown>, count: number): { done: Promise<Array<Record<string, any>>>; stop: () => void } {
  const events: Array<Record<string, any>> = [];
  let stop = () => undefined as void;
  const done = new Promise<Array<Record<string, any>>>((resolve, reject) => {
    stop = ws.subscribe({ query: SUBSCRIBE, variables }, {
      next: (message) => {
        if (message.errors) reject(new Error(JSON.stringify(message.errors)));
        events.push(message.data?.directoryEvents as Record<string, any>);
        if (events.length >= count) resolve(events);
      },
      error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => resolve(events),
    });
  });
  return { done, stop };
}

describe("subscription directoryEvents (graphql-ws)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { events: { pollMs: 100 } } });
  });
  afterAll(async () => server.close());

  it("streams the organization's events from now on, filtered by type, in feed order", async () => {
    const f = fixtures(server);
    const org = await f.organization("Live");
    await f.user(org, "before@live.test"); // before the subscription: not streamed
    const ws = client(server, server.adminKey);
    try {
      const live = collect(ws, { o: org, types: ["user.create", "user.delete"] }, 3);
      await new Promise((resolve) => setTimeout(resolve, 300)); // subscribed
      const a = await f.user(org, "a@live.test");
      await f.group(org, "Not streamed");
      const b = await f.user(org, "b@live.test");
      await server.ok(`mutation($id: ID!) { deleteUser(id: $id) { id } }`, { id: a });
      const events = await live.done;
      expect(events.map((e) => [e.type, e.targetId])).toEqual([["user.create", a], ["user.create", b], ["user.delete", a]]);
      expect(events[1].position).toBeGreaterThan(events[0].position);
      live.stop();
    } finally {
      await ws.dispose();
    }
  });

  it("is authorised like queries: no key or a revoked key gets nothing, and another organization is NOT_FOUND", async () => {
    const f = fixtures(server);
    const mine = await f.organization("Mine live");
    const theirs = await f.organization("Theirs live");
    const orgKey = await server.createKey("ADMIN", mine);

    const anonymous = client(server, null);
    await expect(collect(anonymous, { o: mine }, 1).done).rejects.toBeDefined();
    await anonymous.dispose();

    const scoped = client(server, orgKey);
    await expect(collect(scoped, { o: theirs }, 1).done).rejects.toThrow(/"code":"NOT_FOUND"/);
    await scoped.dispose();

    // A key revoked while subscribed stops receiving: the subscription ends.
    const keyId = (await server.ok(`{ viewer { id } }`, {}, orgKey)).viewer.id;
    const watcher = client(server, orgKey);
    try {
      const live = collect(watcher, { o: mine }, 100);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await f.user(mine, "seen@live.test");
      await server.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: keyId });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await f.user(mine, "unseen@live.test");
      const events = await live.done;
      expect(events.map((e) => e.type)).toEqual(["user.create", "api_key.revoke"].slice(0, events.length));
      expect(events.some((e) => e.data?.userName === "unseen@live.test")).toBe(false);
    } finally {
      await watcher.dispose();
    }
  });

  it("refuses documents past the limits, as over HTTP", async () => {
    const ws = client(server, server.adminKey);
    try {
      // 40 aliases, past GRAPHQL_MAX_ALIASES (30).
      const query = `subscription { directoryEvents(organizationId: "x") { ${Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(" ")} } }`;
      const refused = new Promise((resolve, reject) => ws.subscribe({ query }, { next: resolve, error: reject, complete: () => resolve(null) }));
      await expect(refused).rejects.toEqual([expect.objectContaining({ message: expect.stringMatching(/alias/i) })]);
    } finally {
      await ws.dispose();
    }
  });
});
