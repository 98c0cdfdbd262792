import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { CLI_ACTOR } from "../../src/domain/actor";
import { EventTail, eventTailOf, type Follower } from "../../src/domain/events/event-tail";
import type { AuditEvent } from "../../src/domain/model";
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

  it("checks the key again for every operation on an open socket: revoked, it runs nothing more and the socket is closed", async () => {
    const mine = await fixtures(server).organization("Revoked socket");
    const orgKey = await server.createKey("ADMIN", mine);
    const keyId = (await server.ok(`{ viewer { id } }`, {}, orgKey)).viewer.id;
    let closedWith: number | null = null;
    const ws = createClient({
      url: `${server.url.replace(/^http/, "ws")}/graphql/ws`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${orgKey}` },
      // Not lazy: one socket, open throughout (a lazy client reconnects per operation, and a reconnect is refused at connect).
      retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, on: { closed: (event) => void (closedWith = (event as { code: number }).code) },
    });
    const run = (query: string) => new Promise<Record<string, any>>((resolve, reject) => {
      let result: Record<string, any> = {};
      ws.subscribe({ query }, { next: (message) => void (result = message), error: reject, complete: () => resolve(result) });
    });
    try {
      expect((await run(`{ viewer { id } }`)).data).toEqual({ viewer: { id: keyId } });
      await server.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: keyId });
      // The same socket, still open: a mutation that would mint a new key.
      const minted = await run(`mutation { createApiKey(input: {name: "minted", role: ADMIN}) { secret } }`).catch((error: unknown) => ({ failed: error }));
      expect(JSON.stringify(minted)).toContain("UNAUTHENTICATED");
      expect(await server.built.orm.em.fork().count("ApiKey", { name: "minted" })).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(closedWith).toBe(4403);
    } finally {
      await ws.dispose();
    }
  });

  it("answers variables that do not fit their types as BAD_USER_INPUT, as over HTTP", async () => {
    const ws = client(server, server.adminKey);
    try {
      const failure = await collect(ws, { o: null }, 1).done.then(() => null, (error: Error) => error.message);
      expect(failure).toContain('"code":"BAD_USER_INPUT"');
      expect(failure).not.toContain("INTERNAL_SERVER_ERROR");
    } finally {
      await ws.dispose();
    }
  });

  it("one reader of the feed serves every subscription: each gets its own organization's events, and a look costs the same statements for 1 or 24", async () => {
    const f = fixtures(server);
    const orgA = await f.organization("Many live A");
    const orgB = await f.organization("Many live B");
    /**
     * Looks at the feed (each begins with the sequencing check: EventStore.hasUnsequencedEvents; a
     * look that finds events to sequence also updates them, which is not counted) and reads of it,
     * while `work` runs.
     */
    const feedStatements = async (work: () => Promise<unknown>) => {
      const started = Date.now();
      const statements = await server.captureQueries(work);
      return {
        elapsedMs: Date.now() - started,
        looks: statements.filter((sql) => /select 1 as found from audit_event where position is null/.test(sql)).length,
        reads: statements.filter((sql) => /from [`"]?audit_event[`"]?.*position[`"]? > /.test(sql)).length,
      };
    };
    const burst = async (live: Array<{ done: Promise<Array<Record<string, any>>> }>, prefix: string) => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await f.user(orgA, `${prefix}${i}@many.test`));
      await Promise.all(live.map((l) => l.done));
      return ids;
    };

    // Each subscription's start looks at the feed once (it sequences what waits): they are not the
    // tail's looks, so the counts below begin once every subscription follows.
    const tail = eventTailOf(server.built.orm.em, { pollMs: 100, onLookFailed: () => undefined });
    const before = tail.followerCount;
    const following = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while (tail.followerCount < before + count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(tail.followerCount).toBe(before + count);
    };
    const one = client(server, server.adminKey);
    const many = client(server, server.adminKey);
    try {
      const single = [collect(one, { o: orgA, types: ["user.create"] }, 4)];
      await following(1);
      let firstIds: string[] = [];
      const alone = await feedStatements(async () => (firstIds = await burst(single, "alone")));
      expect((await single[0].done).map((e) => e.targetId)).toEqual(firstIds);

      const onA = Array.from({ length: 12 }, () => collect(many, { o: orgA, types: ["user.create"] }, 4));
      const onB = Array.from({ length: 12 }, () => collect(many, { o: orgB }, 1));
      await following(25);
      let ids: string[] = [];
      const crowded = await feedStatements(async () => (ids = await burst(onA, "crowd")));
      for (const live of onA) expect((await live.done).map((e) => [e.type, e.targetId])).toEqual(ids.map((id) => ["user.create", id]));
      // Organization B's followers got nothing of A's; an event of B's reaches all of them.
      const userB = await f.user(orgB, "b@many.test");
      for (const live of onB) expect((await live.done).map((e) => e.targetId)).toEqual([userB]);

      // Reads per look stay one or two (the feed from the tail's position, and for followers that
      // started behind it), however many follow; one reader per subscription made 24 looks of each.
      expect(crowded.reads).toBeLessThanOrEqual(2 * crowded.looks);
      // A look per commit (4 users, each one commit) and per poll (every 100 ms here), at most.
      expect(crowded.looks).toBeLessThanOrEqual(4 + Math.ceil(crowded.elapsedMs / 100) + 2);
      expect(alone.looks).toBeLessThanOrEqual(4 + Math.ceil(alone.elapsedMs / 100) + 2);
      [...onA, ...onB].forEach((live) => live.stop());
    } finally {
      await one.dispose();
      await many.dispose();
    }
  });

  it("a consumer with no room is given nothing more until it has room, then every event in order, none twice", async () => {
    const f = fixtures(server);
    const org = await f.organization("Slow consumer");
    const em = server.built.orm.em.fork();
    const failures: Error[] = [];
    const tail = new EventTail(em, { pollMs: 60_000, onLookFailed: (error) => failures.push(error) });
    const received: AuditEvent[] = [];
    let room = 3;
    const follower: Follower = {
      organizationId: org, wanted: null, actor: CLI_ACTOR, after: 0,
      room: () => room - received.length,
      receive: (events) => received.push(...events),
      revoked: () => undefined,
    };
    const looked = () => new Promise((resolve) => setTimeout(resolve, 150));
    tail.add(follower);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push(await f.user(org, `slow${i}@live.test`));
      const creates = () => received.filter((e) => e.type === "user.create").map((e) => e.targetId);
      tail.wake();
      await looked();
      expect(received).toHaveLength(3);
      room = 1_000;
      tail.wake();
      await looked();
      expect(creates()).toEqual(ids);
      const positions = received.map((e) => e.position as number);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(positions.length);
      expect(received.every((e) => e.organizationId === org)).toBe(true);
      expect(failures).toEqual([]);
    } finally {
      tail.remove(follower);
    }
  });

  it("reports a run of failed looks once, and a new run again", async () => {
    const org = await fixtures(server).organization("Failing looks");
    const failures: Error[] = [];
    const tail = new EventTail(server.built.orm.em.fork(), { pollMs: 60_000, onLookFailed: (error) => failures.push(error) });
    let broken = true;
    const follower: Follower = {
      organizationId: org, wanted: null, actor: CLI_ACTOR, after: 0,
      // Asked during every look's feed step: a look fails while this throws.
      room: () => {
        if (broken) throw new Error("the consumer broke");
        return 1_000;
      },
      receive: () => undefined,
      revoked: () => undefined,
    };
    const look = async () => {
      tail.wake();
      await new Promise((resolve) => setTimeout(resolve, 100));
    };
    tail.add(follower);
    try {
      await look();
      await look();
      expect(failures.map((e) => e.message)).toEqual(["the consumer broke"]);
      broken = false;
      await look();
      broken = true;
      await look();
      expect(failures.map((e) => e.message)).toEqual(["the consumer broke", "the consumer broke"]);
    } finally {
      tail.remove(follower);
    }
  });

  it("answers a document that does not parse or validate with Apollo's codes, not as an internal error", async () => {
    const ws = client(server, server.adminKey);
    try {
      const run = (query: string) => new Promise((resolve, reject) => ws.subscribe({ query }, { next: resolve, error: reject, complete: () => resolve(null) }));
      await expect(run("subscription { directoryEvents(")).rejects
        .toEqual([expect.objectContaining({ message: expect.stringMatching(/Syntax Error/), extensions: { code: "GRAPHQL_PARSE_FAILED" } })]);
      await expect(run("query { noSuchField }")).rejects
        .toEqual([expect.objectContaining({ message: expect.stringMatching(/noSuchField/), extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })]);
    } finally {
      await ws.dispose();
    }
  });

  it("refuses documents past the limits, as over HTTP", async () => {
    const ws = client(server, server.adminKey);
    try {
      // 40 aliases, past GRAPHQL_MAX_ALIASES (30).
      const query = `subscription { directoryEvents(organizationId: "x") { ${Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(" ")} } }`;
      const refused = new Promise((resolve, reject) => ws.subscribe({ query }, { next: resolve, error: reject, complete: () => resolve(null) }));
      await expect(refused).rejects.toEqual([expect.objectContaining({ message: expect.stringMatching(/alias/i) })]);
      // The checks made with the variables: the cost ceiling, unclean text, an empty id.
      const run = (query: string, variables: Record<string, unknown>) =>
        new Promise((resolve, reject) => ws.subscribe({ query, variables }, { next: resolve, error: reject, complete: () => resolve(null) }));
      await expect(run(`query($n: Int) { organizations(first: $n) { nodes { accounts(first: $n) { nodes { id name } } } } }`, { n: 1000 }))
        .rejects.toEqual([expect.objectContaining({ message: expect.stringMatching(/too complex/), extensions: expect.objectContaining({ code: "GRAPHQL_VALIDATION_FAILED" }) })]);
      await expect(run(`query($id: ID!) { user(id: $id) { id } }`, { id: "a\u0000b" }))
        .rejects.toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) })]);
      await expect(run(`query($id: ID!) { user(id: $id) { id } }`, { id: " " }))
        .rejects.toEqual([expect.objectContaining({ message: expect.stringContaining("empty id"), extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }) })]);
    } finally {
      await ws.dispose();
    }
  });
});
